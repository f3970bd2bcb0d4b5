// The admin verbs beyond the feature areas with their own CLI tests — keys,
// sessions, events (listing and following), audit, status, maintenance, agent
// health/metrics/update and emergencies — as an operator runs them (the built
// bin/corral.js in a child process) against the admin API on a loopback port,
// with the exit codes: 0 ok, 1 refused by the server, 2 bad usage.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { CORRAL_BIN, runCorral, type CliRun } from '../run-corral.fixtures.js';

let api: TestApi;
let address: string;
const SINCE = '2025-12-31T00:00:00Z'; // before the test API's clock (2026-01-01)

function corral(args: readonly string[], key = api.keys.admin): Promise<CliRun> {
  return runCorral(args, { CORRAL_API_URL: address, CORRAL_API_KEY: key });
}
const json = async (args: readonly string[], key?: string) => {
  const run = await corral([...args, '-o', 'json'], key);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};

beforeAll(async () => {
  api = await openTestApi();
  await api.enrollAgent('agent-a', { labels: { env: 'prod' } });
  address = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => api.close());

describe('corral keys', () => {
  it('creates a key shown once, lists keys without values, revokes one; the revoked key stops working', async () => {
    const created = await json(['keys', 'create', '--name', 'ci', '--role', 'viewer', '--ttl', '1h']);
    expect(created).toMatchObject({ name: 'ci', role: 'viewer', key: expect.any(String) });
    const listed = await corral(['keys', 'ls']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/ci\s+viewer\s+active/);
    expect(listed.stdout).not.toContain(created.key);
    expect((await corral(['agents', 'ls'], created.key)).code).toBe(0);
    expect(await json(['keys', 'revoke', created.id])).toMatchObject({ state: 'revoked' });
    expect((await corral(['agents', 'ls'], created.key)).code).toBe(1);
  });

  it('refuses a bad role or ttl as usage (2), and a non-admin caller (1)', async () => {
    expect((await corral(['keys', 'create', '--name', 'x', '--role', 'root'])).code).toBe(2);
    const ttl = await corral(['keys', 'create', '--name', 'x', '--role', 'viewer', '--ttl', 'forever']);
    expect([ttl.code, ttl.stderr]).toEqual([2, expect.stringContaining('--ttl: invalid duration')]);
    expect((await corral(['keys', 'ls'], api.keys.operator)).code).toBe(1);
  });
});

describe('corral sessions', () => {
  it("lists an agent's sessions and ends one", async () => {
    const { credential } = await api.enrollAgent('agent-s');
    const session = await api.startSession('agent-s', credential);
    const listed = await json(['sessions', 'ls', '--agent', 'agent-s']);
    expect(listed.items.map((s: { id: string }) => s.id)).toEqual([session.id]);
    expect(await json(['sessions', 'end', session.id])).toEqual({ id: session.id, ended: true });
    expect((await json(['sessions', 'ls', '--agent', 'agent-s'])).items).toEqual([]);
    expect((await corral(['sessions', 'end', session.id])).code).toBe(1);
  });
});

describe('corral events and audit', () => {
  it('lists events by type and subject, and audit entries by action', async () => {
    const events = await json(['events', 'ls', '--type', 'agent_registered', '--since', SINCE]);
    expect(events.items.map((e: { subject: { id: string } }) => e.subject.id)).toContain('agent-a');
    const table = await corral(['events', 'ls', '--subject', 'agent-a', '--since', SINCE]);
    expect(table.stdout).toMatch(/agent_registered\s+agent:agent-a/);
    await corral(['maintenance', 'on', '--reason', 'audit me']);
    await corral(['maintenance', 'off']);
    const audit = await json(['audit', 'ls', '--action', 'maintenance.set', '--since', SINCE]);
    expect(audit.items.map((a: { details: { enabled: boolean } }) => a.details.enabled)).toEqual([
      true,
      false,
    ]);
  });

  it('refuses a bad --since and an unknown event type', async () => {
    const since = await corral(['events', 'ls', '--since', 'last tuesday']);
    expect([since.code, since.stderr]).toEqual([
      2,
      expect.stringContaining('--since: give an ISO-8601 time'),
    ]);
    expect((await corral(['audit', 'ls', '--outcome', 'maybe'])).code).toBe(2);
    const type = await corral(['events', 'ls', '--type', 'agent_exploded']);
    expect([type.code, type.stderr]).toEqual([2, expect.stringContaining('type')]);
  });

  it('follows events: prints what is stored, then new events as they come, one JSON object per line', async () => {
    const follower = spawn(
      process.execPath,
      [CORRAL_BIN, 'events', 'ls', '--follow', '--since', SINCE, '--type', 'agent_registered', '-o', 'json'],
      { env: { ...process.env, CORRAL_API_URL: address, CORRAL_API_KEY: api.keys.viewer } },
    );
    let out = '';
    follower.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const lines = () =>
      out
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { id: string; subject: { id: string } });
    try {
      await expect
        .poll(() => lines().some((e) => e.subject.id === 'agent-a'), { timeout: 10_000 })
        .toBe(true);
      await api.enrollAgent('agent-late');
      await expect
        .poll(() => lines().some((e) => e.subject.id === 'agent-late'), { timeout: 10_000 })
        .toBe(true);
      const ids = lines().map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      follower.kill();
    }
  });
});

describe('corral status and maintenance', () => {
  it('shows the instance, its backends and the fleet', async () => {
    const status = await json(['status']);
    expect(status).toMatchObject({ service: 'corral', backends: { store: 'sqlite' } });
    const table = await corral(['status']);
    expect(table.stdout).toMatch(/backend store\s+sqlite/);
    expect(table.stdout).toMatch(/^INSTANCEID\s+ADDRESS/m);
  });

  it('switches maintenance mode on with a reason and off; admins only; an empty reason is usage', async () => {
    expect(await json(['maintenance', 'on', '--reason', 'kernel'])).toMatchObject({
      enabled: true,
      reason: 'kernel',
    });
    expect((await json(['status'])).maintenanceMode).toBe(true);
    expect(await json(['maintenance', 'off'])).toMatchObject({ enabled: false });
    expect((await corral(['maintenance', 'on'], api.keys.operator)).code).toBe(1);
    expect((await corral(['maintenance', 'on', '--reason', ' '])).code).toBe(2);
  });
});

describe('corral agents health, metrics and update', () => {
  it("shows an agent's health and recent heartbeats", async () => {
    await api.connectWithHeartbeat('agent-a', { cpuPercent: 42 });
    expect(await json(['agents', 'health', 'agent-a'])).toMatchObject({
      agentId: 'agent-a',
      connected: true,
    });
    const metrics = await json(['agents', 'metrics', 'agent-a']);
    expect(metrics.latest).toMatchObject({ cpuPercent: 42 });
    expect((await corral(['agents', 'health', 'ghost'])).code).toBe(1);
  });

  it('renames and relabels an agent, fails on a stale --if-match, and refuses bad flags', async () => {
    const updated = await json([
      'agents',
      'update',
      'agent-a',
      '--name',
      'edge-1',
      '--label',
      'env=prod',
      '--label',
      'tier=1',
    ]);
    expect(updated).toMatchObject({ name: 'edge-1', labels: { env: 'prod', tier: '1' } });
    const stale = await corral([
      'agents',
      'update',
      'agent-a',
      '--name',
      'x',
      '--if-match',
      String(updated.revision - 1),
    ]);
    expect(stale.code).toBe(1);
    expect((await json(['agents', 'get', 'agent-a'])).name).toBe('edge-1');
    expect((await json(['agents', 'update', 'agent-a', '--no-labels'])).labels).toEqual({});
    expect((await corral(['agents', 'update', 'agent-a'])).code).toBe(2);
    expect((await corral(['agents', 'update', 'agent-a', '--label', 'bad'])).code).toBe(2);
  });
});

describe('corral commands emergency', () => {
  it('needs the action repeated, then sends one emergency command for the selector (admins only)', async () => {
    const unconfirmed = await corral([
      'commands',
      'emergency',
      'isolate',
      '--selector',
      'env=prod',
      '--reason',
      'r',
    ]);
    expect([unconfirmed.code, unconfirmed.stderr]).toEqual([2, expect.stringContaining('--confirm isolate')]);
    expect(
      (
        await corral([
          'commands',
          'emergency',
          'isolate',
          '--fleet',
          '--group',
          'g',
          '--reason',
          'r',
          '--confirm',
          'isolate',
        ])
      ).code,
    ).toBe(2);
    const sent = await json([
      'commands',
      'emergency',
      'isolate',
      '--fleet',
      '--reason',
      'breach',
      '--confirm',
      'isolate',
    ]);
    expect(sent.command).toMatchObject({ type: 'isolate', priority: 'emergency' });
    const operator = await corral(
      ['commands', 'emergency', 'restart', '--fleet', '--reason', 'r', '--confirm', 'restart'],
      api.keys.operator,
    );
    expect(operator.code).toBe(1);
  });
});
