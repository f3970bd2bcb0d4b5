// Leases in process memory: the embedded default, for one instance (which
// then always gets what it asks for). Expiry follows the given Clock.
import type { Clock } from '../../shared/clock.js';
import type { Leases } from './leases.js';

export class MemoryLeases implements Leases {
  private readonly leases = new Map<string, { holder: string; expiresAt: number }>();

  constructor(private readonly clock: Clock) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const current = this.current(name);
    if (current && current.holder !== holder) return false;
    this.leases.set(name, { holder, expiresAt: this.clock.now() + ttlMs });
    return true;
  }

  async renew(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const current = this.current(name);
    if (current?.holder !== holder) return false;
    current.expiresAt = this.clock.now() + ttlMs;
    return true;
  }

  async release(name: string, holder: string): Promise<boolean> {
    if (this.current(name)?.holder !== holder) return false;
    this.leases.delete(name);
    return true;
  }

  async holder(name: string): Promise<string | undefined> {
    return this.current(name)?.holder;
  }

  private current(name: string) {
    const lease = this.leases.get(name);
    if (lease && lease.expiresAt <= this.clock.now()) {
      this.leases.delete(name);
      return undefined;
    }
    return lease;
  }
}
