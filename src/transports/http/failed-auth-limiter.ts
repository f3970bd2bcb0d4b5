// Throttles addresses that keep presenting bad API keys. The request rate limit
// is keyed by the presented key, so a caller inventing a new key per request
// would get a fresh bucket each time; this closes that door. Counts live in a
// bounded map with a sliding one-minute window per address.
import type { Clock } from '../../shared/clock.js';
import { resourceExhausted } from '../../shared/errors.js';

const WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 10_000;

export class FailedAuthLimiter {
  private readonly failures = new Map<string, { count: number; windowStart: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxFailuresPerMinute: number,
  ) {}

  /** Throws resource_exhausted when `address` has failed too often in the current window. */
  check(address: string): void {
    const entry = this.current(address);
    if (entry && entry.count >= this.maxFailuresPerMinute) {
      throw resourceExhausted(
        'too many failed authentications from this address; try again later',
        entry.windowStart + WINDOW_MS - this.clock.now(),
      );
    }
  }

  recordFailure(address: string): void {
    const entry = this.current(address) ?? { count: 0, windowStart: this.clock.now() };
    entry.count += 1;
    this.failures.delete(address);
    this.failures.set(address, entry);
    if (this.failures.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  private current(address: string) {
    const entry = this.failures.get(address);
    if (entry && this.clock.now() - entry.windowStart >= WINDOW_MS) {
      this.failures.delete(address);
      return undefined;
    }
    return entry;
  }
}
