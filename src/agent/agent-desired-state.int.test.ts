// AgentClient's configuration and policy handling against a scripted gRPC
// server: reports on the wire by hash (APPLIED, or FAILED with the reason),
// the applied hashes in every heartbeat, the configured heartbeat interval,
// and re-reporting on a new stream.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUILT_IN_DEFAULTS } from '../features/configuration/agent-configuration.js';
import type { AgentMessage__Output } from '../gen/proto/corral/agent/v1/AgentMessage.js';
import type { AgentClientOptions } from './agent-client.js';
import { AgentClient } from './agent-client.js';
import { MemoryIdentityStore } from './identity-store.js';
import { ScriptedServer } from './scripted-server.fixtures.js';
import { runSimulation } from './simulator.js';

const until = (assertion: () => void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 10_000, interval: 10 });

const CONFIG_A = 'a'.repeat(64);
const CONFIG_B = 'b'.repeat(64);
const POLICY_A = 'c'.repeat(64);
const POLICY_B = 'd'.repeat(64);

const configuration = (hash: string, changes: object) => ({
  configuration: {
    hash,
    configJson: JSON.stringify({ ...BUILT_IN_DEFAULTS, ...changes }),
    revisionIds: ['r1'],
  },
});
const blockPolicy = (mode: string) => ({
  policyId: 'pol-edge',
  version: 2,
  name: 'edge',
  mode,
  rulesJson: JSON.stringify({ defaultAction: 'allow', rules: [{ id: 'r1', action: 'block' }] }),
});

/** What the server received, as [kind, hash, outcome, error]. */
const reportsOf = (messages: readonly AgentMessage__Output[]) =>
  messages.map((m) => {
    const report = m.configurationReport ?? m.policyReport;
    return [m.configurationReport ? 'config' : 'policy', report?.hash, report?.outcome, report?.error];
  });

describe('AgentClient configuration and policies against a scripted server', () => {
  let server: ScriptedServer;
  let client: AgentClient | undefined;

  beforeEach(async () => {
    server = new ScriptedServer();
    server.heartbeatIntervalMs = 200;
    await server.start();
  });
  afterEach(async () => {
    await client?.stop();
    client = undefined;
    server.stop();
  });

  function startClient(overrides: Partial<AgentClientOptions> = {}): AgentClient {
    client = new AgentClient({
      serverAddress: server.address,
      enrollmentSecret: server.secret,
      facts: { agentId: 'edge-1', name: 'edge 1', type: 'monitor', capabilities: ['observe'], labels: {} },
      identityStore: new MemoryIdentityStore(),
      metrics: () => ({ cpuPercent: 1, memoryPercent: 1, memoryRssBytes: 1, load1: 0, uptimeSeconds: 1 }),
      backoff: { baseMs: 10, capMs: 50 },
      stopTimeoutMs: 1_000,
      maxEventBufferKiB: 8_192,
      ...overrides,
    });
    client.start();
    return client;
  }

  it('applies, reports by hash, and states the applied hashes in its heartbeats', async () => {
    const agent = startClient();
    await until(() => expect(agent.stats.heartbeatsAcked).toBeGreaterThanOrEqual(1));
    expect(server.heartbeats[0]).toMatchObject({ appliedConfigRevision: '', appliedPolicyRevision: '' });
    expect(agent.stats.heartbeatIntervalMs).toBe(200);

    server.send(
      configuration(CONFIG_A, {
        reportIntervalSeconds: 1,
        bufferSizes: { eventBufferKiB: 512, maxBatchSize: 10 },
      }),
    );
    server.send({ policies: { hash: POLICY_A, policies: [blockPolicy('monitor')] } });
    await until(() =>
      expect(reportsOf(server.reports)).toEqual([
        ['config', CONFIG_A, 'APPLY_OUTCOME_APPLIED', ''],
        ['policy', POLICY_A, 'APPLY_OUTCOME_APPLIED', ''],
      ]),
    );
    await until(() =>
      expect(server.heartbeats.at(-1)).toMatchObject({
        appliedConfigRevision: CONFIG_A,
        appliedPolicyRevision: POLICY_A,
      }),
    );
    expect(agent.stats).toMatchObject({
      heartbeatIntervalMs: 1_000,
      configHash: CONFIG_A,
      configuration: { bufferSizes: { eventBufferKiB: 512 } },
      policyHash: POLICY_A,
      policies: [{ policyId: 'pol-edge', version: 2, mode: 'monitor' }],
      configurationsApplied: 1,
      policySetsApplied: 1,
    });
  });

  it('refuses what it cannot run with the reason, and keeps running what it ran', async () => {
    const agent = startClient();
    const refused = vi.fn();
    agent.on('configurationOutcome', refused);
    await until(() => expect(agent.stats.connected).toBe(true));
    server.send(configuration(CONFIG_A, { reportIntervalSeconds: 1 }));
    server.send({ policies: { hash: POLICY_A, policies: [] } });
    await until(() => expect(server.reports).toHaveLength(2));

    server.send(configuration(CONFIG_B, { bufferSizes: { eventBufferKiB: 16_384, maxBatchSize: 10 } }));
    server.send({ policies: { hash: POLICY_B, policies: [blockPolicy('enforce')] } });
    await until(() => expect(server.reports).toHaveLength(4));
    const [config, policy] = reportsOf(server.reports.slice(2));
    expect(config?.slice(0, 3)).toEqual(['config', CONFIG_B, 'APPLY_OUTCOME_FAILED']);
    expect(config?.[3]).toMatch(
      /bufferSizes\.eventBufferKiB: 16384 KiB is above this agent's memory budget of 8192 KiB/,
    );
    expect(policy?.slice(0, 3)).toEqual(['policy', POLICY_B, 'APPLY_OUTCOME_FAILED']);
    expect(policy?.[3]).toMatch(
      /policy "pol-edge": enforce mode uses block, which needs the capability "block"/,
    );
    expect(refused).toHaveBeenLastCalledWith(expect.objectContaining({ hash: CONFIG_B, applied: false }));

    const sent = server.heartbeats.length;
    await until(() => expect(server.heartbeats.length).toBeGreaterThan(sent));
    expect(server.heartbeats.at(-1)).toMatchObject({
      appliedConfigRevision: CONFIG_A,
      appliedPolicyRevision: POLICY_A,
    });
    expect(agent.stats).toMatchObject({
      configHash: CONFIG_A,
      policyHash: POLICY_A,
      configurationsApplied: 1,
      configurationsFailed: 1,
      policySetsApplied: 1,
      policySetsFailed: 1,
    });
  });

  it('re-reports on a new stream what the server sends again, without applying it twice', async () => {
    const agent = startClient();
    await until(() => expect(agent.stats.connected).toBe(true));
    server.send(configuration(CONFIG_A, { logLevel: 'warn' }));
    await until(() => expect(server.reports).toHaveLength(1));

    server.send({ drain: { reason: 'rebalancing', deadlineMs: Date.now() + 5_000, retryAfterMs: 10 } });
    await until(() => expect(agent.stats).toMatchObject({ connects: 2, connected: true }));
    const outcome = vi.fn();
    agent.on('configurationOutcome', outcome);
    server.send(configuration(CONFIG_A, { logLevel: 'warn' }));
    await until(() => expect(server.reports).toHaveLength(2));
    expect(reportsOf(server.reports)[1]).toEqual(['config', CONFIG_A, 'APPLY_OUTCOME_APPLIED', '']);
    expect(outcome).toHaveBeenCalledWith({ hash: CONFIG_A, applied: true, error: '', unchanged: true });
    expect(agent.stats.configurationsApplied).toBe(1);
  });

  it('simulated agents told to refuse configurations report FAILED, and the simulation counts it', async () => {
    const simulation = runSimulation({
      serverAddress: server.address,
      enrollmentSecret: server.secret,
      agents: 1,
      reportIntervalMs: 0,
      rejectConfigRate: 1,
    });
    try {
      await until(() => expect(simulation.stats().connected).toBe(1));
      server.send(configuration(CONFIG_A, {}));
      server.send({ policies: { hash: POLICY_A, policies: [] } });
      await until(() => expect(server.reports).toHaveLength(2));
      expect(reportsOf(server.reports)).toEqual([
        [
          'config',
          CONFIG_A,
          'APPLY_OUTCOME_FAILED',
          'configuration refused on purpose (simulated misbehaviour)',
        ],
        ['policy', POLICY_A, 'APPLY_OUTCOME_APPLIED', ''],
      ]);
      expect(simulation.stats()).toMatchObject({ configurationsFailed: 1, policySetsApplied: 1 });
    } finally {
      await simulation.stop();
    }
  });

  it("keeps the operator's fixed heartbeat interval over the configuration's", async () => {
    const agent = startClient({ heartbeatIntervalMs: 100 });
    await until(() => expect(agent.stats.connected).toBe(true));
    server.send(configuration(CONFIG_A, { reportIntervalSeconds: 30 }));
    await until(() => expect(agent.stats.configHash).toBe(CONFIG_A));
    const sent = server.heartbeats.length;
    await until(() => expect(server.heartbeats.length).toBeGreaterThan(sent + 2));
    expect(agent.stats.heartbeatIntervalMs).toBe(100);
  });
});
