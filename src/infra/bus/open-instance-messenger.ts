// Opens the instance messenger that goes with BUS_URL: on `memory:` a network
// of one (this process is the only instance; nothing is ever sent), on
// `amqp://` / `amqps://` a queue of this instance's own on RabbitMQ
// (BUS_INSTANCE_EXCHANGE, ADR 0016). A broker that cannot be reached at start
// stops start-up with a message naming BUS_URL, password redacted.
import type { Logger } from '../../shared/logger.js';
import { AmqpInstanceMessenger } from './amqp/amqp-instance-messenger.js';
import type { InstanceMessage, InstanceMessenger } from './instance-messenger.js';
import { MemoryInstanceNetwork } from './memory-instance-messenger.js';

export interface InstanceMessengerSettings {
  readonly BUS_URL: string;
  readonly BUS_INSTANCE_EXCHANGE?: string;
}

export async function openInstanceMessenger(
  settings: InstanceMessengerSettings,
  instanceId: string,
  logger: Logger,
): Promise<InstanceMessenger> {
  const onHandlerError = (error: unknown, message: InstanceMessage) =>
    logger.error({ err: error, kind: message.kind }, 'instance message handler failed');
  if (!/^amqps?:\/\//.test(settings.BUS_URL))
    return new MemoryInstanceNetwork(onHandlerError).join(instanceId);
  try {
    return await AmqpInstanceMessenger.open({
      url: settings.BUS_URL,
      instanceId,
      exchange: settings.BUS_INSTANCE_EXCHANGE,
      logger: logger.child({ component: 'instance-messenger' }),
      onHandlerError,
    });
  } catch (error) {
    throw new Error(`BUS_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
}
