// An operator drain of this instance (ADR 0017, "Operator drain"): while
// draining, the instance refuses new agent streams and tells the agents it
// holds to leave, a wave at a time (waveSize agents every waveIntervalMs), so
// the instances they move to are not flooded. An agent told to leave gets
// graceMs to close its stream before the instance ends it. Resuming accepts
// streams again; agents already told are leaving and are not called back.
// The state lives in this process only: a restarted instance serves again.
import type { Clock } from '../../shared/clock.js';

export const InstanceState = {
  Serving: 'serving',
  Draining: 'draining',
} as const;
export type InstanceState = (typeof InstanceState)[keyof typeof InstanceState];

/** The Drain reason agents see for an operator drain. */
export const OPERATOR_DRAIN_REASON = 'operator_drain';

export interface DrainNotice {
  readonly reason: string;
  /** How long an agent has to close its stream before the instance ends it. */
  readonly graceMs: number;
  /** When a single-address agent should come back (to a load balancer that has taken this one out). */
  readonly retryAfterMs: number;
}

/** The agent streams of this instance, as an operator drain sees them (StreamHub). */
export interface DrainableStreams {
  /** Refuses new streams (UNAVAILABLE with a retry delay) while true. */
  refuseNewStreams(refuse: boolean): void;
  /** Sends a Drain to up to `count` agents not told yet; returns how many were told. */
  drainSome(count: number, notice: DrainNotice): number;
  connectedCount(): number;
}

export interface DrainPace {
  /** Agents told to leave per wave (DRAIN_WAVE_SIZE). */
  readonly waveSize: number;
  /** Time between waves (DRAIN_WAVE_INTERVAL). */
  readonly waveIntervalMs: number;
  /** SHUTDOWN_DRAIN_TIMEOUT: how long each agent has to leave. */
  readonly graceMs: number;
  readonly retryAfterMs: number;
}

export interface DrainStatus {
  readonly state: InstanceState;
  /** When the drain began; null while serving. */
  readonly since: number | null;
  /** Who asked for it; null while serving. */
  readonly by: string | null;
}

const SERVING: DrainStatus = { state: InstanceState.Serving, since: null, by: null };

export class InstanceDrain {
  private status: DrainStatus = SERVING;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(status: DrainStatus, agents: number) => void>();

  constructor(
    private readonly streams: () => DrainableStreams,
    private readonly pace: DrainPace,
    private readonly clock: Clock,
  ) {}

  get current(): DrainStatus {
    return this.status;
  }

  get isDraining(): boolean {
    return this.status.state === InstanceState.Draining;
  }

  /** Told after each change of state and each wave, with the agents still connected (presence). */
  onProgress(listener: (status: DrainStatus, agents: number) => void): void {
    this.listeners.add(listener);
  }

  /** Starts draining; a drain already under way goes on unchanged. Returns whether it started now. */
  drain(by: string): boolean {
    if (this.isDraining) return false;
    this.status = { state: InstanceState.Draining, since: this.clock.now(), by };
    this.streams().refuseNewStreams(true);
    this.wave();
    return true;
  }

  /** Serves again: accepts new streams, sends no more Drains. Returns whether it was draining. */
  resume(): boolean {
    if (!this.isDraining) return false;
    this.stopWaves();
    this.status = SERVING;
    this.streams().refuseNewStreams(false);
    this.notify();
    return true;
  }

  /** Stops the waves (on shutdown, which drains every stream its own way). */
  close(): void {
    this.stopWaves();
  }

  private wave(): void {
    this.timer = undefined;
    if (!this.isDraining) return;
    const streams = this.streams();
    streams.drainSome(this.pace.waveSize, {
      reason: OPERATOR_DRAIN_REASON,
      graceMs: this.pace.graceMs,
      retryAfterMs: this.pace.retryAfterMs,
    });
    this.notify();
    // Waves go on while agents remain: told ones still leaving, so the counts reported keep falling.
    if (streams.connectedCount() > 0) {
      this.timer = setTimeout(() => this.wave(), this.pace.waveIntervalMs);
      this.timer.unref();
    }
  }

  private stopWaves(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private notify(): void {
    const agents = this.streams().connectedCount();
    for (const listener of this.listeners) listener(this.status, agents);
  }
}
