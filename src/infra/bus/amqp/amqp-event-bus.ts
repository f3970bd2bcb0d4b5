// The event bus on RabbitMQ (BUS_URL=amqp://… or amqps://…), ADR 0016.
// Publishing: a durable topic exchange (default `corral.events`), routing key =
// event type, persistent messages, publisher confirms: publish() resolves only
// when the broker confirmed the whole batch and rejects fast while the broker
// is unreachable, so the outbox keeps what was not confirmed.
// Consuming: subscribe() gives this process its own exclusive queue (every
// instance sees every event while connected); subscribeDurable() uses a named
// durable queue that keeps events while its consumers are away. Consumers ack
// after the handler, retry a bounded number of times, and de-duplicate by id.
// The connection is re-opened with backoff and the subscriptions re-attached.
import type { EventEnvelope } from '../../../features/events/event.js';
import type { BackoffOptions, RandomSource } from '../../../agent/backoff.js';
import { CorralError, ErrorCode, invalidArgument, unavailable } from '../../../shared/errors.js';
import { silentLogger, type Logger } from '../../../shared/logger.js';
import { assertPattern, type EventBus, type EventHandler, type Unsubscribe } from '../event-bus.js';
import { DEFAULT_SEEN_IDS } from '../deduplicator.js';
import { AmqpConnection, type AmqpSession } from './amqp-connection.js';
import { AmqpSubscription, type QueueSpec } from './amqp-subscription.js';
import { publishConfirmed } from './confirmed-publish.js';

export const DEFAULT_EXCHANGE = 'corral.events';

export interface AmqpEventBusOptions {
  readonly url: string;
  readonly exchange?: string;
  /** The `connection_name` the broker shows for this process. */
  readonly connectionName?: string;
  readonly logger?: Logger;
  /** How long a publish waits for the broker's confirms (and ping for its answer). */
  readonly publishTimeoutMs?: number;
  /** Unacknowledged messages a consumer may hold. */
  readonly prefetch?: number;
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
  readonly seenIds?: number;
  readonly heartbeatSeconds?: number;
  readonly connectTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  readonly random?: RandomSource;
  readonly onHandlerError?: (error: unknown, event: EventEnvelope) => void;
}

const DEFAULTS = {
  exchange: DEFAULT_EXCHANGE,
  connectionName: 'corral',
  publishTimeoutMs: 5_000,
  prefetch: 64,
  maxAttempts: 5,
  retryDelayMs: 200,
  seenIds: DEFAULT_SEEN_IDS,
  heartbeatSeconds: 10,
  connectTimeoutMs: 5_000,
  backoff: { baseMs: 250, capMs: 15_000, multiplier: 2, stableAfterMs: 10_000 },
} as const;

export class AmqpEventBus implements EventBus {
  readonly exchange: string;
  private readonly connection: AmqpConnection;
  private readonly subscriptions = new Set<AmqpSubscription>();
  private readonly logger: Logger;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Connects (and declares the exchange) before resolving; rejects when the broker cannot be reached. */
  static async open(options: AmqpEventBusOptions): Promise<AmqpEventBus> {
    const bus = new AmqpEventBus(options);
    await bus.connection.open();
    return bus;
  }

  private constructor(private readonly options: AmqpEventBusOptions) {
    this.exchange = options.exchange ?? DEFAULTS.exchange;
    this.logger = options.logger ?? silentLogger;
    this.connection = new AmqpConnection({
      url: options.url,
      connectionName: options.connectionName ?? DEFAULTS.connectionName,
      heartbeatSeconds: options.heartbeatSeconds ?? DEFAULTS.heartbeatSeconds,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      backoff: options.backoff ?? DEFAULTS.backoff,
      random: options.random,
      logger: this.logger,
      setUp: (session) => this.setUp(session),
    });
  }

  /** Sessions opened again after the connection was lost. */
  get reconnects(): number {
    return this.connection.reconnects;
  }

  /** Whether a session is up right now. */
  get connected(): boolean {
    return this.connection.current() !== undefined;
  }

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    const session = this.session();
    if (events.length === 0) return;
    try {
      await publishConfirmed(session.publisher, this.exchange, events, this.publishTimeoutMs);
    } catch (error) {
      throw new CorralError(
        ErrorCode.Unavailable,
        `the event bus did not confirm the events: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  subscribe(pattern: string, handler: EventHandler): Promise<Unsubscribe> {
    return this.add(pattern, handler, { kind: 'instance' });
  }

  /**
   * Consumes from the named durable queue, declaring and binding it first.
   * Events published while no one consumes wait in the queue; unsubscribing
   * stops consuming and leaves the queue (delete it with the broker's tools).
   */
  subscribeDurable(queue: string, pattern: string, handler: EventHandler): Promise<Unsubscribe> {
    if (!/^[A-Za-z0-9._:-]{1,200}$/.test(queue) || queue.startsWith('amq.')) {
      return Promise.reject(
        invalidArgument(`queue name ${JSON.stringify(queue)} must be 1-200 of [A-Za-z0-9._:-], not amq.*`),
      );
    }
    return this.add(pattern, handler, { kind: 'durable', name: queue });
  }

  async ping(): Promise<void> {
    const session = this.session();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(unavailable('the event bus did not answer in time')),
        this.publishTimeoutMs,
      );
    });
    try {
      await Promise.race([session.publisher.checkExchange(this.exchange), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Handled ids delivered again and skipped, over the current subscriptions. */
  get duplicatesSkipped(): number {
    return [...this.subscriptions].reduce((sum, s) => sum + s.seen.duplicates, 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.serially(async () => {
      for (const subscription of this.subscriptions) await subscription.detach();
      this.subscriptions.clear();
    });
    await this.connection.close();
  }

  private get publishTimeoutMs(): number {
    return this.options.publishTimeoutMs ?? DEFAULTS.publishTimeoutMs;
  }

  private session(): AmqpSession {
    if (this.closed) throw unavailable('the event bus is closed');
    const session = this.connection.current();
    if (!session) throw unavailable('the event bus is not connected to the broker (reconnecting)');
    return session;
  }

  private async add(pattern: string, handler: EventHandler, queue: QueueSpec): Promise<Unsubscribe> {
    assertPattern(pattern);
    const subscription = new AmqpSubscription(pattern, handler, queue, {
      exchange: this.exchange,
      maxAttempts: this.options.maxAttempts ?? DEFAULTS.maxAttempts,
      retryDelayMs: this.options.retryDelayMs ?? DEFAULTS.retryDelayMs,
      seenIds: this.options.seenIds ?? DEFAULTS.seenIds,
      logger: this.logger,
      onHandlerError:
        this.options.onHandlerError ??
        ((error, event) =>
          this.logger.error({ err: error, eventId: event.id, type: event.type }, 'event handler failed')),
      onCancelled: (reason) => this.connection.restart(reason),
    });
    // Serialised with re-attachment after a reconnect, so a subscription is attached once per session.
    await this.serially(async () => {
      const session = this.session();
      this.subscriptions.add(subscription);
      try {
        await subscription.attach(session.consumer);
      } catch (error) {
        this.subscriptions.delete(subscription);
        await subscription.detach();
        throw new CorralError(ErrorCode.Unavailable, `cannot subscribe to ${pattern}: ${messageOf(error)}`, {
          cause: error,
        });
      }
    });
    return async () => {
      await this.serially(async () => {
        this.subscriptions.delete(subscription);
        await subscription.detach();
      });
    };
  }

  private async setUp(session: AmqpSession): Promise<void> {
    await session.publisher.assertExchange(this.exchange, 'topic', { durable: true });
    await session.consumer.prefetch(this.options.prefetch ?? DEFAULTS.prefetch);
    await this.serially(async () => {
      for (const subscription of this.subscriptions) await subscription.attach(session.consumer);
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
