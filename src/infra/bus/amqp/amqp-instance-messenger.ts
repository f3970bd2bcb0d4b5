// Instance messages on RabbitMQ (ADR 0016, command routing): a durable direct
// exchange (default `corral.instances`) and one exclusive, auto-delete queue
// per instance, `<exchange>.<instanceId>`, bound with the instance id as key.
// The queue lives as long as the instance's connection, so a message to an
// instance that is gone is unroutable: it is published `mandatory`, the broker
// returns it before confirming it, and send() rejects with not_found. Messages
// are transient and acknowledged after the handlers ran; a failing handler is
// reported, not retried (a signal is a hint; the work is in the store).
import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage, Message } from 'amqplib';
import type { BackoffOptions, RandomSource } from '../../../agent/backoff.js';
import { CorralError, ErrorCode, invalidArgument, notFound, unavailable } from '../../../shared/errors.js';
import { silentLogger, type Logger } from '../../../shared/logger.js';
import {
  isInstanceId,
  type InstanceMessage,
  type InstanceMessageHandler,
  type InstanceMessenger,
} from '../instance-messenger.js';
import { AmqpConnection, type AmqpSession } from './amqp-connection.js';

export const DEFAULT_INSTANCE_EXCHANGE = 'corral.instances';

export interface AmqpInstanceMessengerOptions {
  readonly url: string;
  readonly instanceId: string;
  readonly exchange?: string;
  readonly logger?: Logger;
  readonly sendTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  readonly random?: RandomSource;
  readonly onHandlerError?: (error: unknown, message: InstanceMessage) => void;
}

interface Envelope {
  readonly from: string;
  readonly message: InstanceMessage;
}

export class AmqpInstanceMessenger implements InstanceMessenger {
  readonly instanceId: string;
  readonly exchange: string;
  private readonly connection: AmqpConnection;
  private readonly handlers = new Set<InstanceMessageHandler>();
  /** Message ids the broker returned as unroutable, until their confirm arrives. */
  private readonly returned = new Set<string>();
  private readonly logger: Logger;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  static async open(options: AmqpInstanceMessengerOptions): Promise<AmqpInstanceMessenger> {
    if (!isInstanceId(options.instanceId)) {
      throw invalidArgument(
        `instance id ${JSON.stringify(options.instanceId)} must be 1-64 of [A-Za-z0-9._-]`,
      );
    }
    const messenger = new AmqpInstanceMessenger(options);
    await messenger.connection.open();
    return messenger;
  }

  private constructor(private readonly options: AmqpInstanceMessengerOptions) {
    this.instanceId = options.instanceId;
    this.exchange = options.exchange ?? DEFAULT_INSTANCE_EXCHANGE;
    this.logger = options.logger ?? silentLogger;
    this.connection = new AmqpConnection({
      url: options.url,
      connectionName: `corral ${options.instanceId} messenger`,
      heartbeatSeconds: 10,
      connectTimeoutMs: 5_000,
      backoff: options.backoff ?? { baseMs: 250, capMs: 15_000, stableAfterMs: 10_000 },
      random: options.random,
      logger: this.logger,
      setUp: (session) => this.setUp(session),
    });
  }

  get queue(): string {
    return `${this.exchange}.${this.instanceId}`;
  }

  async send(instanceId: string, message: InstanceMessage): Promise<void> {
    if (!isInstanceId(instanceId))
      throw invalidArgument(`instance id ${JSON.stringify(instanceId)} is not valid`);
    const session = this.connection.current();
    if (this.closed || !session) throw unavailable('the instance messenger is not connected');
    const messageId = randomUUID();
    const body = Buffer.from(JSON.stringify({ from: this.instanceId, message } satisfies Envelope), 'utf8');
    try {
      await this.confirmed(session, instanceId, messageId, body);
    } catch (error) {
      throw new CorralError(
        ErrorCode.Unavailable,
        `instance message not confirmed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    // RabbitMQ returns an unroutable mandatory message before it confirms it.
    if (this.returned.delete(messageId)) throw notFound('instance', instanceId);
  }

  async onMessage(handler: InstanceMessageHandler): Promise<() => Promise<void>> {
    this.handlers.add(handler);
    return async () => void this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    await this.connection.close();
  }

  private confirmed(session: AmqpSession, to: string, messageId: string, body: Buffer): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.options.sendTimeoutMs ?? 5_000;
    return new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('no confirm before the send timeout')), timeoutMs);
      session.publisher.publish(
        this.exchange,
        to,
        body,
        {
          mandatory: true,
          persistent: false,
          messageId,
          contentType: 'application/json',
          type: 'instance_message',
        },
        (error: unknown) =>
          error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
      );
    }).finally(() => clearTimeout(timer));
  }

  private async setUp(session: AmqpSession): Promise<void> {
    session.publisher.on('return', (message: Message) => {
      const id = message.properties.messageId as unknown;
      if (typeof id === 'string') this.returned.add(id);
    });
    await session.publisher.assertExchange(this.exchange, 'direct', { durable: true });
    const channel = session.consumer;
    await channel.assertQueue(this.queue, { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(this.queue, this.exchange, this.instanceId);
    // One message at a time, in the order they arrived.
    await channel.consume(
      this.queue,
      (message) =>
        void (this.chain = this.chain
          .then(() => this.receive(channel, message))
          .catch((error: unknown) => this.logger.error({ err: error }, 'instance message consumer failed'))),
      { noAck: false },
    );
  }

  private async receive(channel: Channel, delivery: ConsumeMessage | null): Promise<void> {
    if (delivery === null) return this.connection.restart('the broker cancelled the instance queue consumer');
    let envelope: Envelope;
    try {
      envelope = JSON.parse(delivery.content.toString('utf8')) as Envelope;
      if (typeof envelope.from !== 'string' || typeof envelope.message?.kind !== 'string')
        throw new Error('bad shape');
    } catch {
      this.logger.error(
        { messageId: delivery.properties.messageId },
        'dropping an instance message that is not one',
      );
      return ack(channel, delivery);
    }
    for (const handler of this.handlers) {
      try {
        await handler(envelope.message, envelope.from);
      } catch (error) {
        (
          this.options.onHandlerError ??
          ((e) => this.logger.error({ err: e }, 'instance message handler failed'))
        )(error, envelope.message);
      }
    }
    ack(channel, delivery);
  }
}

function ack(channel: Channel, delivery: ConsumeMessage): void {
  try {
    channel.ack(delivery);
  } catch {
    // The channel closed; a transient message to a reconnecting instance is gone, which a hint may be.
  }
}
