// An outside consumer that counts what reaches it, for the failure tests: a
// durable queue of its own, bound with `#` to a test's event exchange before
// any load starts, consumed with manual acks (an event is acked only once it is
// counted), over a connection that is re-opened after a broker restart or
// connection loss (AmqpConnection, as Corral's own consumers). Unlike Corral's
// consumers it does not de-duplicate: every delivery is counted, so a test can
// tell events delivered twice (allowed: delivery is at least once) from events
// never delivered (lost), and report them apart.
import type { ConsumeMessage } from 'amqplib';
import type { EventEnvelope } from '../../../features/events/event.js';
import { silentLogger } from '../../../shared/logger.js';
import { decodeEvent } from '../event-codec.js';
import { AmqpConnection, type AmqpSession } from './amqp-connection.js';
import { uniqueName } from './rabbitmq.fixtures.js';

export interface TallyOptions {
  readonly url: string;
  /** The event exchange (BUS_EXCHANGE) of the instances under test; declared here if it does not exist. */
  readonly exchange: string;
  readonly queue?: string;
}

export interface TalliedEvent {
  readonly event: EventEnvelope;
  /** How many times the broker delivered it. */
  deliveries: number;
}

/** What a tally holds, compared with the events the store committed. */
export interface TallyComparison {
  /** Committed, never delivered. */
  readonly missing: readonly string[];
  /** Delivered, not committed (never expected: it would mean a foreign publisher or a bad decode). */
  readonly unexpected: readonly string[];
  /** Delivered more than once, with the count. */
  readonly duplicates: readonly { id: string; type: string; deliveries: number }[];
}

export class EventTally {
  readonly queue: string;
  /** Deliveries of bodies that are not event envelopes. */
  undecodable = 0;
  /** Deliveries, duplicates included. */
  deliveries = 0;
  private readonly events = new Map<string, TalliedEvent>();
  private readonly connection: AmqpConnection;

  private constructor(private readonly options: TallyOptions) {
    this.queue = options.queue ?? uniqueName('tally');
    this.connection = new AmqpConnection({
      url: options.url,
      connectionName: `${this.queue} consumer`,
      heartbeatSeconds: 5,
      connectTimeoutMs: 5_000,
      backoff: { baseMs: 100, capMs: 1_000, multiplier: 2, stableAfterMs: 5_000 },
      logger: silentLogger,
      setUp: (session) => this.attach(session),
    });
  }

  /** Declares and binds the queue and starts consuming before it resolves. */
  static async open(options: TallyOptions): Promise<EventTally> {
    const tally = new EventTally(options);
    await tally.connection.open();
    return tally;
  }

  /** Distinct events received. */
  get size(): number {
    return this.events.size;
  }

  /** Whether a consuming session is up now. */
  get connected(): boolean {
    return this.connection.current() !== undefined;
  }

  /** Sessions re-opened after the connection was lost. */
  get reconnects(): number {
    return this.connection.reconnects;
  }

  has(id: string): boolean {
    return this.events.has(id);
  }

  /** Distinct events of one type, in id (time) order. */
  ofType(type: string): EventEnvelope[] {
    return [...this.events.values()]
      .map((tallied) => tallied.event)
      .filter((event) => event.type === type)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Distinct events by type. */
  countsByType(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { event } of this.events.values()) counts[event.type] = (counts[event.type] ?? 0) + 1;
    return counts;
  }

  /** Compares what arrived with what the store committed (`committed`: every event id and type). */
  compareWith(committed: readonly { id: string; type: string }[]): TallyComparison {
    const ids = new Set(committed.map((event) => event.id));
    return {
      missing: committed.filter((event) => !this.events.has(event.id)).map((e) => `${e.type} ${e.id}`),
      unexpected: [...this.events.keys()].filter((id) => !ids.has(id)),
      duplicates: [...this.events.values()]
        .filter((tallied) => tallied.deliveries > 1)
        .map(({ event, deliveries }) => ({ id: event.id, type: event.type, deliveries })),
    };
  }

  /** Stops consuming and deletes the queue. */
  async close(): Promise<void> {
    const session = this.connection.current();
    if (session) await session.consumer.deleteQueue(this.queue).catch(() => undefined);
    await this.connection.close();
  }

  private async attach(session: AmqpSession): Promise<void> {
    const { consumer } = session;
    await consumer.assertExchange(this.options.exchange, 'topic', { durable: true });
    await consumer.assertQueue(this.queue, { durable: true, exclusive: false, autoDelete: false });
    await consumer.bindQueue(this.queue, this.options.exchange, '#');
    await consumer.prefetch(256);
    await consumer.consume(this.queue, (message) => this.receive(session, message), { noAck: false });
  }

  private receive(session: AmqpSession, message: ConsumeMessage | null): void {
    // null: the broker cancelled the consumer; the connection's close follows and re-attaches it.
    if (message === null) return;
    this.deliveries += 1;
    try {
      const event = decodeEvent(message.content);
      const tallied = this.events.get(event.id);
      if (tallied) tallied.deliveries += 1;
      else this.events.set(event.id, { event, deliveries: 1 });
    } catch {
      this.undecodable += 1;
    }
    try {
      session.consumer.ack(message);
    } catch {
      // The channel closed under us: the broker delivers the message again, and it is counted twice.
    }
  }
}
