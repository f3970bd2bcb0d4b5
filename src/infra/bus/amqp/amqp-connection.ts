// Keeps one AMQP connection up, with a confirm channel for publishing and a
// plain channel for consuming (a "session"). When the connection or either
// channel closes unexpectedly (broker restart, network loss, a channel error
// such as publishing to a deleted exchange), the whole session is dropped and
// a new one is opened after an exponential backoff with full jitter; setUp
// declares the topology and re-attaches the consumers on every new session.
// While there is no session, current() is undefined: callers fail fast.
import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { Backoff, type BackoffOptions, type RandomSource } from '../../../agent/backoff.js';
import type { Logger } from '../../../shared/logger.js';
import { redactUrl, withDefaultHeartbeat } from './amqp-url.js';

export interface AmqpSession {
  readonly model: ChannelModel;
  readonly publisher: ConfirmChannel;
  readonly consumer: Channel;
}

export interface AmqpConnectionOptions {
  readonly url: string;
  /** Shown by the broker (`connection_name` client property); lets operators and tests find us. */
  readonly connectionName: string;
  readonly heartbeatSeconds: number;
  readonly connectTimeoutMs: number;
  readonly backoff: BackoffOptions;
  readonly random?: RandomSource;
  readonly logger: Logger;
  /** Runs on every new session before it is handed out; a throw fails the attempt. */
  readonly setUp: (session: AmqpSession) => Promise<void>;
}

export class AmqpConnection {
  /** Sessions opened after a loss. */
  reconnects = 0;
  private session: AmqpSession | undefined;
  private connectedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private closing = false;
  private readonly backoff: Backoff;

  constructor(private readonly options: AmqpConnectionOptions) {
    this.backoff = new Backoff(options.backoff, options.random);
  }

  /** Opens the first session; throws (with the password redacted) when the broker cannot be reached. */
  async open(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      throw new Error(
        `cannot connect to the event bus at ${redactUrl(this.options.url)}: ${messageOf(error)}`,
      );
    }
  }

  current(): AmqpSession | undefined {
    return this.session;
  }

  /** Drops the current session and reconnects (e.g. the broker cancelled a consumer). */
  restart(reason: string): void {
    if (this.session) this.lost(this.session, new Error(reason));
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.connecting?.catch(() => undefined);
    const session = this.session;
    this.session = undefined;
    if (session) await session.model.close().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { logger } = this.options;
    const model = await connect(withDefaultHeartbeat(this.options.url, this.options.heartbeatSeconds), {
      timeout: this.options.connectTimeoutMs,
      clientProperties: { connection_name: this.options.connectionName },
    });
    try {
      // Unhandled 'error' events would crash the process; the 'close' that follows is what counts.
      model.on('error', (error: unknown) => logger.warn({ err: error }, 'event bus connection error'));
      model.on('blocked', (reason: unknown) =>
        logger.warn({ reason }, 'event bus connection blocked by the broker'),
      );
      model.on('unblocked', () => logger.info('event bus connection unblocked'));
      const publisher = await model.createConfirmChannel();
      const consumer = await model.createChannel();
      const session: AmqpSession = { model, publisher, consumer };
      for (const emitter of [model, publisher, consumer]) {
        emitter.on('close', (error?: unknown) => this.lost(session, error));
      }
      for (const channel of [publisher, consumer]) {
        channel.on('error', (error: unknown) => logger.warn({ err: error }, 'event bus channel error'));
      }
      await this.options.setUp(session);
      if (this.closing) throw new Error('the event bus is closing');
      this.session = session;
      this.connectedAt = Date.now();
    } catch (error) {
      await model.close().catch(() => undefined);
      throw error;
    }
  }

  private lost(session: AmqpSession, error: unknown): void {
    if (this.session !== session) return;
    this.session = undefined;
    this.backoff.connectionLasted(Date.now() - this.connectedAt);
    if (!this.closing) {
      this.options.logger.warn({ reason: messageOf(error) }, 'event bus connection lost; reconnecting');
    }
    void session.model.close().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing || this.timer) return;
    const delayMs = this.backoff.next();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connecting = this.connect().finally(() => (this.connecting = undefined));
      this.connecting.then(
        () => {
          this.reconnects += 1;
          this.options.logger.info({ attempts: this.backoff.attempt }, 'event bus reconnected');
        },
        (error: unknown) => {
          this.options.logger.warn(
            { reason: messageOf(error), attempt: this.backoff.attempt },
            'event bus reconnect failed; retrying',
          );
          this.scheduleReconnect();
        },
      );
    }, delayMs);
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return error === undefined ? 'closed' : String(error);
}
