// One subscription on the AMQP bus: its queue, bindings and consumer, kept
// across reconnects (attach() runs again on every new session). Messages are
// handled one at a time, in delivery order, and acknowledged only after the
// handler resolved. A handler failure nacks the message back onto the queue,
// after a delay that grows with each attempt, up to maxAttempts; then it is
// dropped (nack without requeue; dead-lettered when the queue has a dead-letter
// exchange) and logged. Ids already handled are acknowledged without calling
// the handler again (de-duplication: delivery is at least once).
import type { Channel, ConsumeMessage, Options } from 'amqplib';
import type { EventEnvelope } from '../../../features/events/event.js';
import type { Logger } from '../../../shared/logger.js';
import { BoundedLru } from '../bounded-lru.js';
import { Deduplicator } from '../deduplicator.js';
import { matchesPattern, type EventHandler } from '../event-bus.js';
import { decodeEvent } from '../event-codec.js';
import { bindingKeysFor } from './binding-keys.js';

/**
 * `instance`: a server-named, exclusive, auto-delete queue: this process sees
 * every matching event while it is connected, nothing it missed while it was not.
 * `durable`: a named durable queue that keeps events while no one consumes.
 */
export type QueueSpec = { readonly kind: 'instance' } | { readonly kind: 'durable'; readonly name: string };

export interface SubscriptionOptions {
  readonly exchange: string;
  /** Handler attempts per event before it is dropped. */
  readonly maxAttempts: number;
  /** Delay before a failed message goes back to the queue, times the attempt number. */
  readonly retryDelayMs: number;
  /** How many handled ids are remembered for de-duplication. */
  readonly seenIds: number;
  readonly logger: Logger;
  readonly onHandlerError: (error: unknown, event: EventEnvelope) => void;
  /** The broker cancelled the consumer (its queue was deleted): the session is rebuilt. */
  readonly onCancelled: (reason: string) => void;
}

/** An in-process subscriber's queue never holds more than this; the oldest are dropped first. */
const INSTANCE_QUEUE_MAX_LENGTH = 100_000;

export class AmqpSubscription {
  readonly seen: Deduplicator;
  /** Messages dropped after maxAttempts failures or because they were not events. */
  dropped = 0;
  private readonly failures: BoundedLru<string, number>;
  private consumer: { channel: Channel; tag: string } | undefined;
  private chain: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(
    readonly pattern: string,
    private readonly handler: EventHandler,
    readonly queue: QueueSpec,
    private readonly options: SubscriptionOptions,
  ) {
    this.seen = new Deduplicator(options.seenIds);
    this.failures = new BoundedLru(options.seenIds);
  }

  /** Declares the queue, binds it and starts consuming on this channel. */
  async attach(channel: Channel): Promise<void> {
    const [name, declaration] = this.declaration();
    const { queue } = await channel.assertQueue(name, declaration);
    for (const key of bindingKeysFor(this.pattern))
      await channel.bindQueue(queue, this.options.exchange, key);
    const { consumerTag } = await channel.consume(queue, (message) => this.receive(channel, message), {
      noAck: false,
    });
    this.consumer = { channel, tag: consumerTag };
  }

  /** Stops consuming; resolves after the message in hand is settled. A durable queue stays. */
  async detach(): Promise<void> {
    this.ended = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await consumer.channel.cancel(consumer.tag).catch(() => undefined);
    await this.chain;
  }

  private declaration(): [string, Options.AssertQueue] {
    if (this.queue.kind === 'durable') {
      return [this.queue.name, { durable: true, exclusive: false, autoDelete: false }];
    }
    return ['', { durable: false, exclusive: true, autoDelete: true, maxLength: INSTANCE_QUEUE_MAX_LENGTH }];
  }

  private receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      if (!this.ended) this.options.onCancelled(`the broker cancelled the consumer of ${this.pattern}`);
      return;
    }
    // A throw must not break the chain: every later message would wait behind it forever.
    this.chain = this.chain
      .then(() => this.process(channel, message))
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'event consumer failed'));
  }

  private async process(channel: Channel, message: ConsumeMessage): Promise<void> {
    // Delivered before the cancel took effect: hand it back for the next consumer.
    if (this.ended) return settle(() => channel.nack(message, false, true));
    let event: EventEnvelope;
    try {
      event = decodeEvent(message.content);
    } catch (error) {
      this.dropped += 1;
      this.options.logger.error(
        { err: error, messageId: message.properties.messageId },
        'dropping a message that is not an event',
      );
      return settle(() => channel.nack(message, false, false));
    }
    if (!matchesPattern(this.pattern, event.type)) return settle(() => channel.ack(message));
    try {
      await this.seen.run(event, this.handler);
      this.failures.delete(event.id);
      settle(() => channel.ack(message));
    } catch (error) {
      this.options.onHandlerError(error, event);
      const attempts = (this.failures.get(event.id) ?? 0) + 1;
      if (attempts < this.options.maxAttempts) {
        this.failures.set(event.id, attempts);
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs * attempts));
        return settle(() => channel.nack(message, false, true));
      }
      this.failures.delete(event.id);
      this.dropped += 1;
      this.options.logger.error(
        { eventId: event.id, type: event.type, attempts },
        'dropping an event its handler kept failing',
      );
      settle(() => channel.nack(message, false, false));
    }
  }
}

/** Acks and nacks on a channel that has closed throw; the broker redelivers those messages anyway. */
function settle(action: () => void): void {
  try {
    action();
  } catch {
    // The channel is gone; the message will be delivered again (and de-duplicated if it was handled).
  }
}
