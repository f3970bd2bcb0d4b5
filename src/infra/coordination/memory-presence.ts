// Presence in process memory: the embedded default, where the one instance
// is the only one. Expiry follows the given Clock.
import type { Clock } from '../../shared/clock.js';
import type { InstanceInfo, LiveInstance, Presence } from './presence.js';

interface Expiring<T> {
  readonly value: T;
  readonly expiresAt: number;
}

export class MemoryPresence implements Presence {
  private readonly agents = new Map<string, Expiring<string>>();
  private readonly instances = new Map<string, Expiring<LiveInstance>>();
  private purgedAt = 0;

  constructor(private readonly clock: Clock) {}

  async setPresence(agentIds: readonly string[], instanceId: string, ttlMs: number): Promise<void> {
    const now = this.clock.now();
    const expiresAt = now + ttlMs;
    // Entries of agents nobody asks about again would otherwise stay forever.
    if (now - this.purgedAt >= ttlMs) {
      this.purgedAt = now;
      for (const [agentId, entry] of this.agents) if (entry.expiresAt <= now) this.agents.delete(agentId);
    }
    for (const agentId of agentIds) this.agents.set(agentId, { value: instanceId, expiresAt });
  }

  async removePresence(agentIds: readonly string[], instanceId: string): Promise<void> {
    for (const agentId of agentIds) {
      if (this.live(this.agents, agentId) === instanceId) this.agents.delete(agentId);
    }
  }

  async whereIs(agentIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const agentId of agentIds) {
      const instanceId = this.live(this.agents, agentId);
      if (instanceId !== undefined) found.set(agentId, instanceId);
    }
    return found;
  }

  async heartbeatInstance(instanceId: string, info: InstanceInfo, ttlMs: number): Promise<void> {
    const now = this.clock.now();
    this.instances.set(instanceId, {
      value: { instanceId, ...info, seenAt: now },
      expiresAt: now + ttlMs,
    });
  }

  async removeInstance(instanceId: string): Promise<void> {
    this.instances.delete(instanceId);
  }

  async liveInstances(): Promise<LiveInstance[]> {
    const live: LiveInstance[] = [];
    for (const instanceId of [...this.instances.keys()].sort()) {
      const instance = this.live(this.instances, instanceId);
      if (instance) live.push(instance);
    }
    return live;
  }

  private live<T>(map: Map<string, Expiring<T>>, key: string): T | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }
}
