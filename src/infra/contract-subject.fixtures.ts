// What the cache, lease and presence contract suites run against: two
// handles on one backend, as two instances would have (for an in-memory
// implementation, the same object twice), and a way to let time pass as
// that backend counts it (a FakeClock moved forward, or real waiting).
import type { Clock } from '../shared/clock.js';

export interface ContractSubject<T> {
  readonly first: T;
  readonly second: T;
  /** The clock the implementation (and a LeaderLease over it) goes by. */
  readonly clock: Clock;
  /** Lets `ms` pass for the backend's expiry. */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

export type OpenSubject<T> = () => Promise<ContractSubject<T>>;

/**
 * Real time plus an offset that tests can move forward: in-memory implementations under it expire as time
 * passes (for keepers renewing on real timers) and at once when told to (elapse).
 */
export class ShiftedClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}
