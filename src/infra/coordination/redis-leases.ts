// Leases on Redis/Valkey: one key per lease, `<prefix>lease:<name>`, holding
// the holder token with a PX expiry set by the server. Acquire, renew and
// release are Lua scripts (redis-scripts.ts) that compare the token and write
// in one atomic step. Unlike the cache, failures are not hidden: a lease
// operation that cannot reach Redis rejects, and the caller (LeaderLease)
// decides — it steps down once it can no longer be sure it holds the lease.
import type { RedisConnection } from '../redis/redis-connection.js';
import type { Leases } from './leases.js';

export class RedisLeases implements Leases {
  constructor(private readonly redis: RedisConnection) {}

  acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.run(
      'lease_acquire',
      async () => (await this.redis.client.corralAcquireOrExtend(this.key(name), holder, ttl(ttlMs))) === 1,
    );
  }

  renew(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.run(
      'lease_renew',
      async () => (await this.redis.client.corralExtendIfEqual(this.key(name), holder, ttl(ttlMs))) === 1,
    );
  }

  release(name: string, holder: string): Promise<boolean> {
    return this.run(
      'lease_release',
      async () => (await this.redis.client.corralDeleteIfEqual(this.key(name), holder)) === 1,
    );
  }

  holder(name: string): Promise<string | undefined> {
    return this.run('lease_holder', async () => (await this.redis.client.get(this.key(name))) ?? undefined);
  }

  private key(name: string): string {
    return this.redis.key('lease', name);
  }

  private async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.redis.failed(operation, error);
      throw error;
    }
  }
}

const ttl = (ms: number) => Math.max(1, Math.ceil(ms));
