import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from './settings-loader.js';

const load = (env: Record<string, string>, configFile?: string) => loadSettings({ env, configFile });
const problems = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error('expected a SettingsError');
};

describe('loadSettings', () => {
  it('applies the documented defaults', () => {
    const s = load({});
    expect(s.GRPC_SERVER_ADDR).toEqual({ host: '0.0.0.0', port: 50051, text: ':50051' });
    expect(s.ADMIN_API_ADDR.port).toBe(8080);
    expect(s.METRICS_ADDR.port).toBe(2112);
    expect(s.STORE_URL).toBe('sqlite:./data/corral.db');
    expect(s.CACHE_URL).toBe('memory:');
    expect(s.BUS_URL).toBe('memory:');
    expect(s.AGENT_TIMEOUT).toBe(300_000);
    expect(s.TLS_ENABLED).toBe(false);
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('reads durations in every documented form', () => {
    expect(load({ AGENT_TIMEOUT: '45' }).AGENT_TIMEOUT).toBe(45_000);
    expect(load({ AGENT_TIMEOUT: '1500ms' }).AGENT_TIMEOUT).toBe(1500);
    expect(load({ MAX_INACTIVE_TIME: '2h' }).MAX_INACTIVE_TIME).toBe(7_200_000);
  });

  it('accepts the seed SIRIUS_ spellings, the plain names winning', () => {
    expect(load({ SIRIUS_LOG_LEVEL: 'debug' }).LOG_LEVEL).toBe('debug');
    expect(load({ SIRIUS_LOG_LEVEL: 'debug', LOG_LEVEL: 'warn' }).LOG_LEVEL).toBe('warn');
    expect(load({ SIRIUS_LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
  });

  it('names every bad setting', () => {
    const found = problems(() =>
      load({ GRPC_SERVER_ADDR: 'nope', LOG_LEVEL: 'loud', AGENT_TIMEOUT: 'soon', STORE_URL: 'mysql://x' }),
    );
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual([
      'AGENT_TIMEOUT',
      'GRPC_SERVER_ADDR',
      'LOG_LEVEL',
      'STORE_URL',
    ]);
  });

  it('takes a PostgreSQL STORE_URL, and names a bad pool or schema without the password', () => {
    for (const url of ['postgres://corral:pw@db/corral?pool=20&schema=corral', 'postgresql://db/corral'])
      expect(load({ STORE_URL: url }).STORE_URL).toBe(url);
    for (const query of ['pool=0', 'schema=Not-A-Name']) {
      const [problem] = problems(() => load({ STORE_URL: `postgres://corral:hunter2@db/corral?${query}` }));
      expect(problem).toMatch(/^STORE_URL: /);
      expect(problem).not.toContain('hunter2');
    }
  });

  it('requires the certificate and key when TLS is on', () => {
    expect(problems(() => load({ TLS_ENABLED: 'true', TLS_KEY_FILE: '/k' }))[0]).toMatch(
      /^TLS_CERT_FILE: is required/,
    );
  });

  it('refuses TLS files it cannot read, naming the setting', () => {
    expect(
      problems(() =>
        load({
          TLS_ENABLED: 'true',
          TLS_CERT_FILE: '/nonexistent/cert.pem',
          TLS_KEY_FILE: '/nonexistent/key.pem',
        }),
      ),
    ).toEqual([
      'TLS_CERT_FILE: cannot read /nonexistent/cert.pem: ENOENT',
      'TLS_KEY_FILE: cannot read /nonexistent/key.pem: ENOENT',
    ]);
    expect(problems(() => load({ ADMIN_TLS_ENABLED: 'yes' }))[0]).toMatch(
      /^ADMIN_TLS_CERT_FILE: is required/,
    );
  });

  it('requires MAX_INACTIVE_TIME to exceed AGENT_TIMEOUT', () => {
    expect(problems(() => load({ AGENT_TIMEOUT: '10m', MAX_INACTIVE_TIME: '5m' }))[0]).toMatch(
      /^MAX_INACTIVE_TIME/,
    );
  });

  it('reads a JSON config file, the environment winning, and refuses unknown keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-config-'));
    const file = join(dir, 'corral.json');
    writeFileSync(file, JSON.stringify({ LOG_LEVEL: 'error', HEARTBEAT_INTERVAL: '2s' }));
    const s = load({ LOG_LEVEL: 'debug' }, file);
    expect(s.LOG_LEVEL).toBe('debug');
    expect(s.HEARTBEAT_INTERVAL).toBe(2000);
    writeFileSync(file, JSON.stringify({ LOG_LEVLE: 'x' }));
    expect(problems(() => load({}, file))).toEqual([`LOG_LEVLE: unknown setting in ${file}`]);
    writeFileSync(file, '{not json');
    expect(problems(() => load({}, file))[0]).toMatch(/is not valid JSON/);
  });
});
