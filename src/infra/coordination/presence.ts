// The presence port: which instance holds which agent's stream, and which
// instances are alive. Entries carry a time to live and are refreshed in
// batches (PresenceKeeper sends one batch per period for all of an
// instance's agents), so when an instance dies its entries expire and the
// agents it held count as nowhere until they reconnect elsewhere.
// Embedded: MemoryPresence; shared: RedisPresence (ADR 0015).

/** What an instance says about itself on each heartbeat. */
export interface InstanceInfo {
  /** Agent streams it holds. */
  readonly agents: number;
  /** Where other instances or operators reach it (its gRPC address, say). */
  readonly address: string;
  readonly startedAt: number;
  readonly version: string;
  /** An operator drain is moving its agents elsewhere (absent in entries of older versions: false). */
  readonly draining?: boolean;
}

export interface LiveInstance extends InstanceInfo {
  readonly instanceId: string;
  /** When its last heartbeat was sent (its own clock). */
  readonly seenAt: number;
}

export interface Presence {
  /** Records (or refreshes) that `instanceId` holds these agents, for `ttlMs`; one batch for all. */
  setPresence(agentIds: readonly string[], instanceId: string, ttlMs: number): Promise<void>;
  /** Forgets these agents, each only while it is still recorded on `instanceId` (it may have moved on). */
  removePresence(agentIds: readonly string[], instanceId: string): Promise<void>;
  /** The instance of each agent that is recorded somewhere; agents recorded nowhere are absent. */
  whereIs(agentIds: readonly string[]): Promise<Map<string, string>>;
  heartbeatInstance(instanceId: string, info: InstanceInfo, ttlMs: number): Promise<void>;
  /** Leaves the registry at once (on a clean stop), instead of expiring. */
  removeInstance(instanceId: string): Promise<void>;
  /** Instances whose last heartbeat has not expired, by id. */
  liveInstances(): Promise<LiveInstance[]>;
}
