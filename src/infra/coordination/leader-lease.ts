// Keeps one lease on behalf of this instance and says whether it leads:
// tries to take the lease at start and then every ttl/3; while leading,
// renews it every ttl/3 (two renewals can fail or be late before the lease
// runs out on the server). It steps down (and tells its listeners) when a
// renewal is refused, when a tick comes late (an event-loop stall or GC pause
// longer than the time it could be sure of), or when a renewal failed and
// the next one would come too late. `isLeader` also turns false by itself
// once the locally known validity has passed, so a caller checking it right
// after a long pause does not act on a lease that may have gone elsewhere.
// Stopping releases the lease, so a successor need not wait for it to expire.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../shared/clock.js';
import { Lifecycle, LifecycleState, type Startable } from '../../shared/lifecycle.js';
import type { Leases } from './leases.js';

export interface LeaderLeaseOptions {
  /** The lease's name: one leader per name across the instances sharing the backend. */
  readonly name: string;
  /** This instance; the holder token adds a random part, so a restarted instance is a new holder. */
  readonly instanceId: string;
  readonly ttlMs: number;
  /** What validity is measured with; default a monotonic clock, which wall-clock steps (NTP) do not move. */
  readonly clock?: Clock;
  /** Lease operations that failed (the backend was unreachable); leadership is handled regardless. */
  readonly onError?: (error: unknown) => void;
}

const monotonicClock: Clock = { now: () => performance.now() };

export class LeaderLease implements Startable {
  readonly name: string;
  /** The token this keeper holds the lease with. */
  readonly holder: string;
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly tickEveryMs: number;
  /** Validity is counted from when a request was sent, less this, for clock drift and timer slack. */
  private readonly marginMs: number;
  private leader = false;
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly listeners = new Set<(leader: boolean) => void>();
  private readonly lifecycle = new Lifecycle();

  constructor(
    private readonly leases: Leases,
    private readonly options: LeaderLeaseOptions,
  ) {
    this.name = options.name;
    this.holder = `${options.instanceId}/${randomBytes(6).toString('base64url')}`;
    this.ttlMs = options.ttlMs;
    this.clock = options.clock ?? monotonicClock;
    this.tickEveryMs = Math.max(1, Math.floor(options.ttlMs / 3));
    this.marginMs = Math.floor(options.ttlMs / 10);
  }

  /** Whether this instance leads now: it holds the lease and its known validity has not passed. */
  get isLeader(): boolean {
    return this.leader && this.clock.now() < this.validUntil;
  }

  /** Calls `listener` with true on taking the lead and false on losing it; returns the unsubscribe. */
  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Makes the first attempt before resolving, so a lone instance leads as soon as it has started. */
  start(): Promise<void> {
    return this.lifecycle.start(() => this.tick());
  }

  stop(): Promise<void> {
    return this.lifecycle.stop(async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.ticking;
      if (!this.leader) return;
      this.setLeader(false);
      await this.leases.release(this.name, this.holder).catch((error: unknown) => this.reportError(error));
    });
  }

  private tick(): Promise<void> {
    this.ticking = this.attempt().finally(() => {
      this.ticking = undefined;
      const state = this.lifecycle.current;
      if (state === LifecycleState.Starting || state === LifecycleState.Running) {
        this.timer = setTimeout(() => void this.tick(), this.tickEveryMs);
        this.timer.unref();
      }
    });
    return this.ticking;
  }

  private async attempt(): Promise<void> {
    const sentAt = this.clock.now();
    // Late: the lease may have expired and gone to someone else meanwhile.
    if (this.leader && sentAt >= this.validUntil) this.setLeader(false);
    try {
      const held = this.leader
        ? await this.leases.renew(this.name, this.holder, this.ttlMs)
        : await this.leases.acquire(this.name, this.holder, this.ttlMs);
      if (held) this.validUntil = sentAt + this.ttlMs - this.marginMs;
      this.setLeader(held);
    } catch (error) {
      this.reportError(error);
      // Unsure whether it was renewed: keep leading only if the next try still comes in time.
      if (this.clock.now() + this.tickEveryMs >= this.validUntil) this.setLeader(false);
    }
  }

  private setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    for (const listener of this.listeners) {
      try {
        listener(leader);
      } catch (error) {
        this.reportError(error);
      }
    }
  }

  private reportError(error: unknown): void {
    this.options.onError?.(error);
  }
}
