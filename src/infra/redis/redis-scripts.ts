// The Lua scripts behind the atomic Redis operations (leases, presence
// removal). Each runs as one step on the server, so "read, compare with the
// caller's token, then write" cannot interleave with another client. They are
// registered on the client with defineCommand, which sends EVALSHA and falls
// back to EVAL when the server does not know the script yet (after a restart).
import type { Redis, Result } from 'ioredis';

/** Takes KEYS[1] for ARGV[1] for ARGV[2] ms if it is free or already ARGV[1]'s; 1 when taken. */
const ACQUIRE_OR_EXTEND = `
local current = redis.call('GET', KEYS[1])
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/** Extends KEYS[1] to ARGV[2] ms only while it still holds ARGV[1]; 1 when extended. */
const EXTEND_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/** Deletes KEYS[1] only while it still holds ARGV[1]; 1 when deleted. */
const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    corralAcquireOrExtend(key: string, value: string, ttlMs: number): Result<number, Context>;
    corralExtendIfEqual(key: string, value: string, ttlMs: number): Result<number, Context>;
    corralDeleteIfEqual(key: string, value: string): Result<number, Context>;
  }
}

export function defineCorralScripts(client: Redis): void {
  client.defineCommand('corralAcquireOrExtend', { numberOfKeys: 1, lua: ACQUIRE_OR_EXTEND });
  client.defineCommand('corralExtendIfEqual', { numberOfKeys: 1, lua: EXTEND_IF_EQUAL });
  client.defineCommand('corralDeleteIfEqual', { numberOfKeys: 1, lua: DELETE_IF_EQUAL });
}
