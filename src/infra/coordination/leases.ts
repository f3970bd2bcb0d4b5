// The lease port: named, expiring locks held by a holder token, so that work
// meant to run once for the fleet (sweeps, expiry, the outbox relay's drain)
// runs on one instance at a time. Every operation is atomic and compares the
// holder token: only the holder can renew or release, and a lease nobody
// renews frees itself after its time to live. LeaderLease (leader-lease.ts)
// keeps one on behalf of an instance. Embedded: MemoryLeases; shared:
// RedisLeases (ADR 0015).

export interface Leases {
  /** Takes the lease for `ttlMs` if it is free (or already `holder`'s, then extended); true when held. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease to `ttlMs` from now only while `holder` still holds it; false when lost. */
  renew(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease if `holder` holds it; false when it did not. */
  release(name: string, holder: string): Promise<boolean>;
  /** Who holds the lease now, if anyone. */
  holder(name: string): Promise<string | undefined>;
}
