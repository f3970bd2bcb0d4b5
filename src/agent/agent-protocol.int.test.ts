// AgentClient and the simulator against a scripted in-process gRPC server that
// speaks the wire contract and lets each test misbehave on purpose: drains,
// unknown message kinds, expiring and rejected sessions, revoked credentials,
// overload.
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isRefusal } from './agent-errors.js';
import type { AgentClientOptions } from './agent-client.js';
import { AgentClient } from './agent-client.js';
import { MemoryIdentityStore } from './identity-store.js';
import { runSimulation } from './simulator.js';
import { ScriptedServer, UNKNOWN_KIND, failure } from './scripted-server.fixtures.js';

/** Waits for an assertion to hold; bounded generously so slow CI machines only slow the test down. */
const until = (assertion: () => void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 10_000, interval: 10 });

describe('AgentClient against a scripted server', () => {
  let server: ScriptedServer;
  let client: AgentClient | undefined;

  beforeEach(async () => {
    server = new ScriptedServer();
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
      facts: {
        agentId: 'edge-1',
        name: 'edge 1',
        type: 'blocking',
        capabilities: ['block'],
        labels: { site: 'lab' },
      },
      identityStore: new MemoryIdentityStore(),
      metrics: () => ({
        cpuPercent: 12.5,
        memoryPercent: 40,
        memoryRssBytes: 1_000,
        load1: 0.5,
        uptimeSeconds: 3,
      }),
      backoff: { baseMs: 10, capMs: 50 },
      stopTimeoutMs: 1_000,
      ...overrides,
    });
    client.start();
    return client;
  }

  it('enrolls, authenticates and streams heartbeats with increasing sequence numbers', async () => {
    const store = new MemoryIdentityStore();
    const agent = startClient({ identityStore: store });
    await until(() => expect(agent.stats.heartbeatsAcked).toBeGreaterThanOrEqual(3));
    expect(server.calls.slice(0, 3)).toEqual(['Enroll', 'Authenticate', 'Connect']);
    expect((await store.load())?.credential).toBe(server.credentials.get('edge-1'));
    const sequences = server.heartbeats.map((h) => h.sequence);
    expect(sequences.slice(0, 3)).toEqual([1, 2, 3]);
    expect(server.heartbeats[0]).toMatchObject({
      agentId: 'edge-1',
      cpuPercent: 12.5,
      memoryRssBytes: 1_000,
    });
    expect(agent.stats).toMatchObject({ connected: true, connects: 1, serverHealth: 'healthy' });
  });

  it('uses a stored identity instead of enrolling again', async () => {
    const store = new MemoryIdentityStore({
      agentId: 'edge-1',
      credential: 'cac_known',
      serverAddress: 'x',
      enrolledAt: new Date().toISOString(),
    });
    server.credentials.set('edge-1', 'cac_known');
    const agent = startClient({ identityStore: store, enrollmentSecret: undefined });
    await until(() => expect(agent.stats.heartbeatsAcked).toBeGreaterThanOrEqual(1));
    expect(server.count('Enroll')).toBe(0);
  });

  it('ignores server messages of kinds it does not know', async () => {
    const agent = startClient();
    await until(() => expect(agent.stats.heartbeatsAcked).toBeGreaterThanOrEqual(1));
    server.send(UNKNOWN_KIND);
    const acked = agent.stats.heartbeatsAcked;
    await until(() => expect(agent.stats.heartbeatsAcked).toBeGreaterThan(acked + 2));
    expect(agent.stats).toMatchObject({ connects: 1, errors: 0, connected: true });
  });

  it('on drain closes the stream itself and reconnects', async () => {
    const agent = startClient();
    const disconnected = vi.fn();
    agent.on('disconnected', disconnected);
    await until(() => expect(agent.stats.connects).toBe(1));
    server.send({ drain: { reason: 'rebalancing', deadlineMs: Date.now() + 5_000, retryAfterMs: 10 } });
    await until(() => expect(agent.stats.connects).toBe(2));
    expect(server.halfClosedByAgent).toBe(1);
    expect(disconnected).toHaveBeenCalledWith({ reason: 'drain' });
    expect(agent.stats).toMatchObject({ drains: 1, reconnects: 1, errors: 0 });
    // The session outlived the stream: no second Authenticate.
    expect(server.count('Authenticate')).toBe(1);
  });

  it('refreshes the session when the server says it is expiring, and keeps streaming', async () => {
    const agent = startClient();
    await until(() => expect(agent.stats.connects).toBe(1));
    server.send({ sessionExpiring: { expiresAtMs: Date.now() + 1_000 } });
    await until(() => expect(agent.stats.sessionRefreshes).toBe(1));
    const acked = agent.stats.heartbeatsAcked;
    await until(() => expect(agent.stats.heartbeatsAcked).toBeGreaterThan(acked));
    expect(agent.stats.connects).toBe(1);
  });

  it('refreshes on its own before the session expires', async () => {
    server.sessionTtlMs = 900;
    const agent = startClient();
    await until(() => expect(agent.stats.sessionRefreshes).toBeGreaterThanOrEqual(2));
    expect(server.count('Authenticate')).toBe(1);
  });

  it('authenticates again when a refresh is rejected', async () => {
    const agent = startClient();
    await until(() => expect(agent.stats.connects).toBe(1));
    server.failNextRefresh = { code: grpc.status.UNAUTHENTICATED, details: 'session revoked' };
    server.send({ sessionExpiring: { expiresAtMs: Date.now() + 1_000 } });
    await until(() => expect(server.count('Authenticate')).toBe(2));
    expect(agent.stats.state).not.toBe('failed');
  });

  it('stops with a clear error, without looping, when the credential is revoked', async () => {
    const agent = startClient();
    await until(() => expect(agent.stats.connects).toBe(1));
    server.credentials.delete('edge-1');
    server.tokens.clear();
    server.streams
      .at(-1)
      ?.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'agent unregistered' });
    const result = await agent.stopped;
    expect(result.failed).toBe(true);
    if (!result.failed) return;
    expect(isRefusal(result.error)).toBe(true);
    expect(result.error.message).toMatch(/refused the credential of agent "edge-1"/);
    expect(server.count('Authenticate')).toBe(2);
    expect(agent.stats.state).toBe('failed');
  });

  it('stops at once on a wrong enrollment secret', async () => {
    const agent = startClient({ enrollmentSecret: 'ces_wrong' });
    const result = await agent.stopped;
    expect(result.failed && result.error.message).toMatch(/enrollment refused.*check the enrollment secret/);
    expect(server.count('Enroll')).toBe(1);
  });

  it('waits at least as long as RetryInfo asks when overloaded', async () => {
    server.failNextConnect = failure(grpc.status.RESOURCE_EXHAUSTED, 'too many connects', 400);
    const agent = startClient();
    const retrying = vi.fn();
    agent.on('retrying', retrying);
    await until(() => expect(agent.stats.connects).toBe(1));
    expect(retrying).toHaveBeenCalledTimes(1);
    expect(retrying.mock.calls[0]?.[0].delayMs).toBeGreaterThanOrEqual(400);
    expect(agent.stats.lastError).toMatch(/too many connects/);
  });

  it('stop() terminates the session, closes the stream and settles', async () => {
    const agent = startClient();
    await until(() => expect(agent.stats.connects).toBe(1));
    await agent.stop('maintenance');
    expect(server.calls).toContain('TerminateSession:maintenance');
    expect(server.halfClosedByAgent).toBe(1);
    expect(await agent.stopped).toEqual({ failed: false });
    expect(agent.stats).toMatchObject({ state: 'stopped', connected: false });
    await agent.stop();
  });
});

describe('runSimulation against a scripted server', () => {
  let server: ScriptedServer;

  beforeEach(async () => {
    server = new ScriptedServer();
    await server.start();
  });
  afterEach(() => {
    server.stop();
  });

  it('runs N agents, each on its own connection, and stops them cleanly', async () => {
    const simulation = runSimulation({
      serverAddress: server.address,
      enrollmentSecret: server.secret,
      agents: 5,
      rampUpMs: 50,
      idPrefix: 'load',
      reportIntervalMs: 0,
    });
    try {
      await until(() => expect(simulation.stats()).toMatchObject({ started: 5, connected: 5 }));
      await until(() => expect(simulation.stats().heartbeatsAcked).toBeGreaterThanOrEqual(10));
    } finally {
      await simulation.stop();
    }
    const summary = await simulation.done;
    expect(summary).toMatchObject({ agents: 5, connected: 0, peakConnected: 5, failed: 0, topErrors: [] });
    expect(summary.ackLatencyMs.count).toBeGreaterThan(0);
    expect([...server.credentials.keys()].sort()).toEqual(['load-1', 'load-2', 'load-3', 'load-4', 'load-5']);
    expect(new Set(server.peers).size).toBe(5);
    expect(server.calls.filter((c) => c.startsWith('TerminateSession')).length).toBe(5);
    expect(server.halfClosedByAgent).toBe(5);
  });

  it('can multiplex every agent over one shared connection', async () => {
    const simulation = runSimulation({
      serverAddress: server.address,
      enrollmentSecret: server.secret,
      agents: 3,
      rampUpMs: 0,
      separateConnections: false,
      reportIntervalMs: 0,
    });
    try {
      await until(() => expect(simulation.stats().connected).toBe(3));
    } finally {
      await simulation.stop();
    }
    expect(new Set(server.peers).size).toBe(1);
  });

  it('reports progress at the interval asked for', async () => {
    const reports: number[] = [];
    const simulation = runSimulation({
      serverAddress: server.address,
      enrollmentSecret: server.secret,
      agents: 2,
      rampUpMs: 0,
      reportIntervalMs: 100,
      onReport: (report) => reports.push(report.heartbeatsAckedPerSecond),
    });
    try {
      await until(() => expect(reports.length).toBeGreaterThanOrEqual(2));
    } finally {
      await simulation.stop();
    }
  });

  it('ends by itself when every agent is refused', async () => {
    const simulation = runSimulation({
      serverAddress: server.address,
      enrollmentSecret: 'ces_wrong',
      agents: 3,
      rampUpMs: 0,
      reportIntervalMs: 0,
    });
    const summary = await simulation.done;
    expect(summary).toMatchObject({ agents: 3, failed: 3, connected: 0 });
    expect(summary.topErrors[0]).toMatchObject({
      count: 3,
      error: expect.stringMatching(/enrollment refused/),
    });
  });
});
