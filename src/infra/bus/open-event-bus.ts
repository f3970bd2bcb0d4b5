// Opens the event bus named by BUS_URL: `memory:` (embedded, the default) or
// `amqp://` / `amqps://` (RabbitMQ, ADR 0016). A broker that cannot be reached
// at start stops start-up with a message naming BUS_URL, password redacted.
import { hostname } from 'node:os';
import type { EventEnvelope } from '../../features/events/event.js';
import type { Logger } from '../../shared/logger.js';
import { AmqpEventBus } from './amqp/amqp-event-bus.js';
import type { EventBus } from './event-bus.js';
import { MemoryEventBus } from './memory-event-bus.js';

export interface EventBusSettings {
  readonly BUS_URL: string;
  readonly BUS_EXCHANGE?: string;
  readonly INSTANCE_ID?: string;
}

export async function openEventBus(settings: EventBusSettings, logger: Logger): Promise<EventBus> {
  const onHandlerError = (error: unknown, event: EventEnvelope) =>
    logger.error({ err: error, eventId: event.id, type: event.type }, 'event handler failed');
  if (!/^amqps?:\/\//.test(settings.BUS_URL)) return new MemoryEventBus(onHandlerError);
  try {
    return await AmqpEventBus.open({
      url: settings.BUS_URL,
      exchange: settings.BUS_EXCHANGE,
      connectionName: `corral ${settings.INSTANCE_ID ?? `${hostname()}-${process.pid}`}`,
      logger: logger.child({ component: 'event-bus' }),
      onHandlerError,
    });
  } catch (error) {
    throw new Error(`BUS_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
}
