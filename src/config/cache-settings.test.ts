// CACHE_URL, CACHE_KEY_PREFIX and LEADER_LEASE_TTL: what is accepted, and
// that a refused Redis URL is named without being quoted (it may hold a password).
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from './settings-loader.js';

const load = (env: Record<string, string>) => loadSettings({ env });
const problems = (env: Record<string, string>): readonly string[] => {
  try {
    load(env);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error('expected a SettingsError');
};

describe('cache settings', () => {
  it('defaults to the in-process cache, the corral: prefix and a 15 s leader lease', () => {
    const s = load({});
    expect(s.CACHE_URL).toBe('memory:');
    expect(s.CACHE_KEY_PREFIX).toBe('corral:');
    expect(s.LEADER_LEASE_TTL).toBe(15_000);
  });

  it('accepts Redis and Valkey URLs, with TLS, credentials and a database', () => {
    for (const url of [
      'redis://127.0.0.1:6379',
      'redis://localhost',
      'rediss://user:p%40ss@cache.internal:6380/2',
      'redis://:secret@[::1]:6379/0',
      'valkey://valkey:6379',
      'valkeys://valkey.example.com',
    ]) {
      expect(load({ CACHE_URL: url }).CACHE_URL).toBe(url);
    }
    expect(load({ CACHE_KEY_PREFIX: 'corral-eu:' }).CACHE_KEY_PREFIX).toBe('corral-eu:');
    expect(load({ LEADER_LEASE_TTL: '30s' }).LEADER_LEASE_TTL).toBe(30_000);
  });

  it('refuses other schemes and malformed Redis URLs, naming the setting but never the password', () => {
    for (const url of [
      'memcached://x',
      'redis://',
      'redis://:hunter2@host:6379/not-a-db',
      'redis://:hunter2@:6379',
    ]) {
      const found = problems({ CACHE_URL: url });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/^CACHE_URL: /);
      expect(found[0]).not.toContain('hunter2');
    }
  });

  it('refuses a prefix with spaces or glob characters, and a lease under 300 ms', () => {
    expect(problems({ CACHE_KEY_PREFIX: 'a b*' })[0]).toMatch(/^CACHE_KEY_PREFIX: /);
    expect(problems({ LEADER_LEASE_TTL: '100ms' })[0]).toMatch(/^LEADER_LEASE_TTL: /);
  });
});
