// Commands end to end in one process: the real server (startCorral) and the
// real agent client. A command is created through the service, delivered over
// the stream, run by the agent, and its outcome stored; cancel reaches a
// running command; a command for an offline agent waits for its reconnect.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentClient } from '../../agent/agent-client.js';
import { MemorySeenCommands } from '../../agent/commands/seen-commands.js';
import { MemoryIdentityStore } from '../../agent/identity-store.js';
import { startCorral, type RunningCorral } from '../../app/corral.js';
import { loadSettings } from '../../config/settings-loader.js';
import { silentLogger } from '../../shared/logger.js';
import { SYSTEM_PRINCIPAL } from '../api-keys/api-key.js';
import type { RequestContext } from '../audit/audited.js';

const admin: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: null };
const until = (assertion: () => void | Promise<void>): Promise<void> =>
  vi.waitFor(assertion, { timeout: 15_000, interval: 20 });

let dir: string;
let corral: RunningCorral;
const clients: AgentClient[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-commands-int-'));
  corral = await startCorral(
    loadSettings({
      env: {
        GRPC_SERVER_ADDR: '127.0.0.1:0',
        ADMIN_API_ADDR: '127.0.0.1:0',
        METRICS_ADDR: '127.0.0.1:0',
        STORE_URL: `sqlite:${join(dir, 'corral.db')}`,
        HEARTBEAT_FLUSH_INTERVAL: '50ms',
        SHUTDOWN_DRAIN_TIMEOUT: '1s',
        LOG_LEVEL: 'silent',
      },
    }),
    silentLogger,
  );
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.stop();
  await corral.stop();
  await rm(dir, { recursive: true, force: true });
});

function agent(
  agentId: string,
  secret: string,
  identity = new MemoryIdentityStore(),
  seen = new MemorySeenCommands(),
  capabilities = ['scan'],
): AgentClient {
  const client = new AgentClient({
    serverAddress: `127.0.0.1:${corral.grpcPort}`,
    enrollmentSecret: secret,
    facts: { agentId, name: agentId, type: 'scanner', capabilities, labels: {} },
    identityStore: identity,
    seenCommands: seen,
    metrics: () => ({ cpuPercent: 5, memoryPercent: 10, memoryRssBytes: 1, load1: 0, uptimeSeconds: 1 }),
    heartbeatIntervalMs: 200,
    commandFlushIntervalMs: 10,
    backoff: { baseMs: 20, capMs: 200 },
    logger: silentLogger,
  });
  clients.push(client);
  client.start();
  return client;
}

const statusOf = async (id: string) => (await corral.services.commands.get(id)).status;

describe('commands end to end', () => {
  it('delivers a command to a connected agent and stores its result with the full history', async () => {
    const { secret } = await corral.services.enrollment.create(admin, { name: 'e2e' });
    const client = agent('cmd-1', secret);
    await until(() => expect(client.stats.connected).toBe(true));
    const { command } = await corral.services.commands.create(admin, {
      type: 'status',
      target: { kind: 'agent', agentId: 'cmd-1' },
    });
    await until(async () => expect(await statusOf(command.id)).toBe('succeeded'));
    const stored = await corral.services.commands.get(command.id);
    expect(stored.history.map((h) => h.status)).toEqual([
      'queued',
      'scheduled',
      'dispatched',
      'acknowledged',
      'running',
      'succeeded',
    ]);
    expect(stored.deliveries).toBe(1);
    expect(stored.result).toMatchObject({ hostname: expect.any(String) });
  });

  it('cancels a running scan, confirmed by the agent', async () => {
    const { secret } = await corral.services.enrollment.create(admin, { name: 'e2e' });
    const client = agent('cmd-2', secret);
    await until(() => expect(client.stats.connected).toBe(true));
    const { command } = await corral.services.commands.create(admin, {
      type: 'scan',
      params: { scope: 'memory', durationSeconds: 60, intensity: 'low' },
      target: { kind: 'agent', agentId: 'cmd-2' },
    });
    await until(async () => expect(await statusOf(command.id)).toBe('running'));
    expect((await corral.services.commands.cancel(admin, command.id)).status).toBe('cancel_requested');
    await until(async () => expect(await statusOf(command.id)).toBe('cancelled'));
  });

  it('keeps a command for an offline agent until it reconnects, and runs it once', async () => {
    const { secret } = await corral.services.enrollment.create(admin, { name: 'e2e' });
    const identity = new MemoryIdentityStore();
    const seen = new MemorySeenCommands();
    const first = agent('cmd-3', secret, identity, seen);
    await until(() => expect(first.stats.connected).toBe(true));
    await first.stop();
    clients.splice(clients.indexOf(first), 1);
    const { command } = await corral.services.commands.create(admin, {
      type: 'ping',
      target: { kind: 'agent', agentId: 'cmd-3' },
    });
    await corral.services.dispatcher.flush();
    expect(await statusOf(command.id)).toBe('queued');
    const again = agent('cmd-3', secret, identity, seen);
    await until(async () => expect(await statusOf(command.id)).toBe('succeeded'));
    expect(again.stats.commandsSucceeded).toBe(1);
  });

  it('fans a bulk command out to every agent of a selector', async () => {
    const { secret } = await corral.services.enrollment.create(admin, { name: 'e2e' });
    const a = agent('bulk-1', secret);
    const b = agent('bulk-2', secret);
    await until(() => expect(a.stats.connected && b.stats.connected).toBe(true));
    const { children } = await corral.services.commands.create(admin, {
      type: 'ping',
      target: { kind: 'agents', agentIds: ['bulk-1', 'bulk-2'] },
    });
    await until(async () => {
      for (const child of children) expect(await statusOf(child.id)).toBe('succeeded');
    });
  });
});

describe('capability targets', () => {
  it('places the children on distinct capable agents, runs them, and rolls the parent up', async () => {
    const { secret } = await corral.services.enrollment.create(admin, { name: 'e2e' });
    const fleet = [
      agent('cap-1', secret),
      agent('cap-2', secret),
      agent('cap-3', secret),
      agent('plain-1', secret, undefined, undefined, ['monitor']),
    ];
    await until(() => expect(fleet.every((c) => c.stats.connected)).toBe(true));
    const { command, children } = await corral.services.commands.create(admin, {
      type: 'ping',
      target: { kind: 'capability', capability: 'scan', count: 2 },
    });
    expect(children.map((c) => c.agentId)).toEqual([null, null]);
    await until(async () => {
      for (const child of children) expect(await statusOf(child.id)).toBe('succeeded');
    });
    const placed = await Promise.all(children.map((c) => corral.services.commands.get(c.id)));
    const agents = placed.map((c) => c.agentId);
    expect(new Set(agents).size).toBe(2);
    for (const agentId of agents) expect(['cap-1', 'cap-2', 'cap-3']).toContain(agentId);
    expect(placed[0]?.history.map((h) => h.status)).toEqual([
      'queued',
      'scheduled',
      'dispatched',
      'acknowledged',
      'running',
      'succeeded',
    ]);
    expect(placed[0]?.history[1]?.detail).toMatch(/^placed on cap-\d \(least_loaded\)$/);
    await until(async () => expect(await statusOf(command.id)).toBe('succeeded'));
  });
});

describe('maintenance mode', () => {
  it('holds non-emergency commands while on, lets emergencies through, and releases the rest when off', async () => {
    const { secret } = await corral.services.enrollment.create(admin, { name: 'e2e' });
    const client = agent('maint-1', secret);
    await until(() => expect(client.stats.connected).toBe(true));
    await corral.services.maintenance.set(admin, { enabled: true, reason: 'upgrade' });
    expect((await corral.services.status.status()).maintenanceMode).toBe(true);
    const { command: held } = await corral.services.commands.create(admin, {
      type: 'ping',
      target: { kind: 'agent', agentId: 'maint-1' },
    });
    const { command: urgent } = await corral.services.commands.create(admin, {
      type: 'status',
      priority: 'emergency',
      target: { kind: 'agent', agentId: 'maint-1' },
    });
    await until(async () => expect(await statusOf(urgent.id)).toBe('succeeded'));
    await corral.services.dispatcher.flush();
    expect(await statusOf(held.id)).toBe('queued');
    await corral.services.maintenance.set(admin, { enabled: false });
    await until(async () => expect(await statusOf(held.id)).toBe('succeeded'));
  });
});
