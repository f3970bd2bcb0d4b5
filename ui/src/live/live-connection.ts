// The browser's side of the live channel (GET /api/v1/live, see the server's
// live-messages.ts): sends hello with the key as its first message (never in
// the URL), remembers the newest event id it saw, and after any drop reconnects
// with backoff and jitter, asking the server to replay from that id. When the
// server says events were missed (refetch) — or the connection comes back
// without a position to resume from — listeners are told to reload what they
// show. A ping every 20 s finds dead connections browsers would not notice.
import type { FleetSample, LiveEvent, Role } from '../api/types';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

/** The subset of the browser's WebSocket this needs (a fake in tests). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveListener {
  event?(event: LiveEvent): void;
  fleet?(sample: FleetSample): void;
  /** Samples kept by the server, sent on each (re)connection. */
  history?(samples: readonly FleetSample[], intervalMs: number): void;
  /** Events may have been missed: reload. */
  refetch?(reason: string): void;
  state?(state: LiveState, detail: string): void;
  welcome?(principal: { name: string; role: Role }): void;
}

export interface LiveConnectionOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly createSocket: (url: string) => SocketLike;
  /** Backoff after the n-th failed attempt in a row, before jitter (ms). */
  readonly backoffMs?: (attempt: number) => number;
  readonly random?: () => number;
  readonly pingIntervalMs?: number;
  /** Called when the server refuses the key (4401/4403): stop and sign out. */
  readonly onRefused?: (reason: string) => void;
}

const OPEN = 1;
/** Close codes after which reconnecting cannot help. */
const FINAL_CODES = new Set([4400, 4401, 4403]);

export const defaultBackoff = (attempt: number): number => Math.min(15_000, 500 * 2 ** Math.min(attempt, 5));

export class LiveConnection {
  private socket: SocketLike | undefined;
  private readonly listeners = new Set<LiveListener>();
  private lastEventId: string | undefined;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private awaitingPong = false;
  private stopped = false;
  private everSynced = false;
  private currentState: LiveState = 'connecting';

  constructor(private readonly options: LiveConnectionOptions) {}

  get state(): LiveState {
    return this.currentState;
  }

  /** The newest event id seen, which a reconnection resumes after. */
  get position(): string | undefined {
    return this.lastEventId;
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    listener.state?.(this.currentState, '');
    return () => void this.listeners.delete(listener);
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'signed out');
    }
    this.setState('stopped', '');
  }

  private open(): void {
    this.setState(this.attempt === 0 && !this.everSynced ? 'connecting' : 'reconnecting', '');
    const socket = this.options.createSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(
        JSON.stringify({
          type: 'hello',
          apiKey: this.options.apiKey,
          ...(this.lastEventId === undefined ? {} : { lastEventId: this.lastEventId }),
        }),
      );
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onerror = () => undefined; // onclose follows and decides
    socket.onclose = (close) => this.dropped(close.code, close.reason);
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (message.type) {
      case 'welcome':
        this.emit((l) => l.welcome?.(message.principal as { name: string; role: Role }));
        this.emit((l) =>
          l.history?.(message.samples as FleetSample[], Number(message.fleetSampleIntervalMs) || 5000),
        );
        break;
      case 'event': {
        const event = message.event as LiveEvent;
        if (this.lastEventId === undefined || event.id > this.lastEventId) this.lastEventId = event.id;
        this.emit((l) => l.event?.(event));
        break;
      }
      case 'synced': {
        // A reconnection with nothing to resume from may have missed anything: reload.
        const resumedWithoutPosition = this.everSynced && this.lastEventId === undefined;
        this.attempt = 0;
        this.everSynced = true;
        this.startPinging();
        this.setState('live', '');
        if (resumedWithoutPosition) this.emit((l) => l.refetch?.('reconnected'));
        break;
      }
      case 'refetch':
        this.emit((l) => l.refetch?.(String(message.reason)));
        break;
      case 'fleet':
        this.emit((l) => l.fleet?.(message.sample as FleetSample));
        break;
      case 'pong':
        this.awaitingPong = false;
        break;
      default:
        break;
    }
  }

  private dropped(code: number, reason: string): void {
    this.clearTimers();
    this.socket = undefined;
    if (this.stopped) return;
    if (FINAL_CODES.has(code)) {
      this.stopped = true;
      this.setState('stopped', reason || `closed (${code})`);
      this.options.onRefused?.(reason || `closed (${code})`);
      return;
    }
    const base = (this.options.backoffMs ?? defaultBackoff)(this.attempt++);
    const jitter = 0.5 + (this.options.random ?? Math.random)() * 0.5;
    this.setState('reconnecting', reason || 'connection lost');
    this.timer = setTimeout(() => this.open(), Math.round(base * jitter));
  }

  private startPinging(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.awaitingPong = false;
    this.pinger = setInterval(() => {
      const socket = this.socket;
      if (!socket || socket.readyState !== OPEN) return;
      if (this.awaitingPong) {
        // No answer to the last ping: the connection is dead even if the browser has not noticed.
        socket.onclose = null;
        socket.close(4000, 'no pong');
        this.dropped(4000, 'no answer from the server');
        return;
      }
      this.awaitingPong = true;
      socket.send(JSON.stringify({ type: 'ping' }));
    }, this.options.pingIntervalMs ?? 20_000);
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.pinger) clearInterval(this.pinger);
    this.timer = undefined;
    this.pinger = undefined;
  }

  private setState(state: LiveState, detail: string): void {
    this.currentState = state;
    this.emit((l) => l.state?.(state, detail));
  }

  private emit(call: (listener: LiveListener) => void): void {
    for (const listener of [...this.listeners]) call(listener);
  }
}
