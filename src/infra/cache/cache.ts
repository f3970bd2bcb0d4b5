// The cache port: short-lived shared values with a time to live (session
// lookups now; presence, rate limits and leases when Redis joins).

export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
