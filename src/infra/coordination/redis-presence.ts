// Presence on Redis/Valkey. Key layout under the prefix:
//   presence:agent:<agentId>  → instance id, PX ttl (one key per agent, so
//                                each expires on its own)
//   instance:<instanceId>     → JSON InstanceInfo + seenAt, PX ttl
//   instances                 → sorted set of instance ids (score: when the
//                                entry expires), to list them without SCAN
// Every call is one pipeline, however many agents it names (a refresh of
// 10,000 agents is one write and one read of the socket). Failures reject
// (the caller retries on its next period) and are counted.
import type { ChainableCommander } from 'ioredis';
import type { Clock } from '../../shared/clock.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import type { InstanceInfo, LiveInstance, Presence } from './presence.js';

const MGET_CHUNK = 1000;
/** Registry members whose entry expired this long ago are dropped from the sorted set. */
const REGISTRY_GRACE_MS = 60_000;

export class RedisPresence implements Presence {
  constructor(
    private readonly redis: RedisConnection,
    private readonly clock: Clock,
  ) {}

  setPresence(agentIds: readonly string[], instanceId: string, ttlMs: number): Promise<void> {
    return this.run('presence_set', async () => {
      if (agentIds.length === 0) return;
      const pipeline = this.redis.client.pipeline();
      for (const agentId of agentIds) pipeline.set(this.agentKey(agentId), instanceId, 'PX', ttl(ttlMs));
      await exec(pipeline);
    });
  }

  removePresence(agentIds: readonly string[], instanceId: string): Promise<void> {
    return this.run('presence_remove', async () => {
      if (agentIds.length === 0) return;
      const pipeline = this.redis.client.pipeline();
      for (const agentId of agentIds) pipeline.corralDeleteIfEqual(this.agentKey(agentId), instanceId);
      await exec(pipeline);
    });
  }

  whereIs(agentIds: readonly string[]): Promise<Map<string, string>> {
    return this.run('presence_where', async () => {
      const found = new Map<string, string>();
      if (agentIds.length === 0) return found;
      const pipeline = this.redis.client.pipeline();
      for (let i = 0; i < agentIds.length; i += MGET_CHUNK) {
        pipeline.mget(agentIds.slice(i, i + MGET_CHUNK).map((agentId) => this.agentKey(agentId)));
      }
      const chunks = (await exec(pipeline)) as (string | null)[][];
      chunks.flat().forEach((instanceId, index) => {
        const agentId = agentIds[index];
        if (instanceId !== null && agentId !== undefined) found.set(agentId, instanceId);
      });
      return found;
    });
  }

  heartbeatInstance(instanceId: string, info: InstanceInfo, ttlMs: number): Promise<void> {
    return this.run('instance_heartbeat', async () => {
      const now = this.clock.now();
      const entry: LiveInstance = { instanceId, ...info, seenAt: now };
      await exec(
        this.redis.client
          .pipeline()
          .set(this.instanceKey(instanceId), JSON.stringify(entry), 'PX', ttl(ttlMs))
          .zadd(this.registryKey(), now + ttlMs, instanceId)
          .zremrangebyscore(this.registryKey(), '-inf', now - REGISTRY_GRACE_MS),
      );
    });
  }

  removeInstance(instanceId: string): Promise<void> {
    return this.run('instance_remove', async () => {
      await exec(
        this.redis.client.pipeline().del(this.instanceKey(instanceId)).zrem(this.registryKey(), instanceId),
      );
    });
  }

  liveInstances(): Promise<LiveInstance[]> {
    return this.run('instance_list', async () => {
      const ids = await this.redis.client.zrange(this.registryKey(), 0, -1);
      if (ids.length === 0) return [];
      const entries = await this.redis.client.mget(ids.map((id) => this.instanceKey(id)));
      return entries
        .flatMap((text) => (text === null ? [] : [JSON.parse(text) as LiveInstance]))
        .sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
    });
  }

  private agentKey(agentId: string): string {
    return this.redis.key('presence', 'agent', agentId);
  }

  private instanceKey(instanceId: string): string {
    return this.redis.key('instance', instanceId);
  }

  private registryKey(): string {
    return this.redis.key('instances');
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

/** Runs a pipeline; rejects with the first command's error if any failed. */
async function exec(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}

const ttl = (ms: number) => Math.max(1, Math.ceil(ms));
