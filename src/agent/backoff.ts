// Reconnection delays: exponential backoff with "full jitter" (a uniformly
// random delay between 0 and the exponential ceiling), so that a fleet of agents
// cut off at the same moment does not come back at the same moment. Pure: the
// random source is injected and time is only ever passed in.

/** Returns a number in [0, 1), like Math.random. */
export type RandomSource = () => number;

export interface BackoffOptions {
  /** Ceiling of the first delay. */
  readonly baseMs: number;
  /** Largest ceiling, whatever the attempt. */
  readonly capMs: number;
  /** How much the ceiling grows per attempt; 2 doubles it. */
  readonly multiplier?: number;
  /** A connection that stayed up at least this long resets the attempt count. */
  readonly stableAfterMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  baseMs: 1_000,
  capMs: 60_000,
  multiplier: 2,
  stableAfterMs: 30_000,
};

export class Backoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly multiplier: number;
  private readonly stableAfterMs: number;
  private attempts = 0;

  constructor(
    options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: RandomSource = Math.random,
  ) {
    const { baseMs, capMs } = options;
    const multiplier = options.multiplier ?? DEFAULT_BACKOFF.multiplier;
    const stableAfterMs = options.stableAfterMs ?? DEFAULT_BACKOFF.stableAfterMs;
    if (!(Number.isFinite(baseMs) && baseMs > 0))
      throw new RangeError(`backoff baseMs must be > 0, got ${baseMs}`);
    if (!(Number.isFinite(capMs) && capMs >= baseMs)) {
      throw new RangeError(`backoff capMs must be >= baseMs (${baseMs}), got ${capMs}`);
    }
    if (!(Number.isFinite(multiplier) && multiplier >= 1)) {
      throw new RangeError(`backoff multiplier must be >= 1, got ${multiplier}`);
    }
    if (!(Number.isFinite(stableAfterMs) && stableAfterMs >= 0)) {
      throw new RangeError(`backoff stableAfterMs must be >= 0, got ${stableAfterMs}`);
    }
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.multiplier = multiplier;
    this.stableAfterMs = stableAfterMs;
  }

  /** Delays handed out since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /** The largest delay `next()` can return at the given attempt: min(cap, base * multiplier^attempt). */
  ceilingMs(attempt: number = this.attempts): number {
    // Past the cap the power only overflows towards Infinity, which min() absorbs.
    return Math.min(this.capMs, this.baseMs * this.multiplier ** attempt);
  }

  /** The delay before the next attempt (whole milliseconds in [0, ceiling]); counts the attempt. */
  next(): number {
    const delay = this.jitter();
    this.attempts += 1;
    return delay;
  }

  /**
   * A delay drawn like next() at the current attempt, without counting it: the
   * spread between tries of several servers within one round (reconnect-policy.ts).
   */
  jitter(): number {
    const ceiling = Math.floor(this.ceilingMs());
    const r = this.random();
    // A misbehaving random source must not produce negative or oversized delays.
    const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
    return Math.min(ceiling, Math.floor(unit * (ceiling + 1)));
  }

  /** Starts again from the first, shortest delay. */
  reset(): void {
    this.attempts = 0;
  }

  /**
   * Reports how long the last connection stayed up; a stable one means the
   * trouble is over, so the next failure starts again from short delays.
   * Returns whether the count was reset.
   */
  connectionLasted(ms: number): boolean {
    if (ms >= this.stableAfterMs) {
      this.reset();
      return true;
    }
    return false;
  }
}
