// Fleet counters fed by agent events: connections, latency, rates, grouped errors.
import { describe, expect, it } from 'vitest';
import { CorralError, ErrorCode } from '../shared/errors.js';
import { AgentClient } from './agent-client.js';
import type { AgentRpc } from './agent-rpc.js';
import { MemoryIdentityStore } from './identity-store.js';
import { SimulationCounters } from './simulation-stats.js';

/** A client that is never started; the test plays its events. */
function idleClient(): AgentClient {
  const unused = () => Promise.reject(new Error('not used'));
  const rpc: AgentRpc = {
    enroll: unused,
    authenticate: unused,
    refreshSession: unused,
    terminateSession: unused,
    connect: () => {
      throw new Error('not used');
    },
    close: () => undefined,
  };
  return new AgentClient({
    serverAddress: 'unused:1',
    facts: {},
    identityStore: new MemoryIdentityStore(),
    metrics: () => ({ cpuPercent: 0, memoryPercent: 0, memoryRssBytes: 0, load1: 0, uptimeSeconds: 0 }),
    rpc,
  });
}

const link = {
  agentId: 'a',
  sessionId: 's',
  serverAddress: 'h:1',
  serverInstance: 'i',
  heartbeatIntervalMs: 1_000,
};

describe('SimulationCounters', () => {
  it('counts connections, reconnections and the peak', () => {
    let now = 0;
    const counters = new SimulationCounters(2, () => now, 0);
    const [a, b] = [idleClient(), idleClient()];
    counters.watch(a);
    counters.watch(b);
    a.emit('connected', link);
    b.emit('connected', link);
    a.emit('disconnected', { reason: 'drain' });
    a.emit('connected', link);
    b.emit('disconnected', { reason: 'failed', error: 'reset' });
    now = 1_000;
    expect(counters.stats()).toMatchObject({
      started: 2,
      connected: 1,
      peakConnected: 2,
      reconnects: 1,
      elapsedMs: 1_000,
    });
  });

  it('matches acks to sent heartbeats for latency and computes interval rates', () => {
    let now = 0;
    const counters = new SimulationCounters(1, () => now, 0);
    const client = idleClient();
    counters.watch(client);
    client.emit('heartbeatSent', { sequence: 1 });
    now = 5;
    client.emit('heartbeatSent', { sequence: 2 });
    now = 20;
    // Acks are cumulative: acking 2 settles 1 as well (it counts as acknowledged),
    // and 1 then has no latency of its own.
    client.emit('heartbeatAcked', { sequence: 2, health: 'healthy' });
    now = 2_000;
    const report = counters.report();
    expect(report).toMatchObject({
      heartbeatsSent: 2,
      heartbeatsAcked: 2,
      heartbeatsSentPerSecond: 1,
      intervalMs: 2_000,
    });
    expect(report.ackLatencyMs).toMatchObject({ count: 1, max: 15 });
    now = 4_000;
    expect(counters.report()).toMatchObject({ heartbeatsSentPerSecond: 0, ackLatencyMs: { count: 0 } });
    expect(counters.summary().ackLatencyMs.count).toBe(1);
  });

  it('counts configurations and policy sets applied and refused, not repeats of a running hash', () => {
    const counters = new SimulationCounters(1, () => 0, 0);
    const client = idleClient();
    counters.watch(client);
    const outcome = { hash: 'h', error: '', unchanged: false };
    client.emit('configurationOutcome', { ...outcome, applied: true });
    client.emit('configurationOutcome', { ...outcome, applied: true, unchanged: true });
    client.emit('configurationOutcome', { ...outcome, applied: false, error: 'no' });
    client.emit('policySetOutcome', { ...outcome, applied: false, error: 'no' });
    expect(counters.stats()).toMatchObject({
      configurationsApplied: 1,
      configurationsFailed: 1,
      policySetsApplied: 0,
      policySetsFailed: 1,
    });
  });

  it('groups errors that differ only in quoted values, and knows when every agent failed', () => {
    const counters = new SimulationCounters(2, () => 0, 0);
    const [a, b] = [idleClient(), idleClient()];
    counters.watch(a);
    counters.watch(b);
    a.emit('retrying', {
      delayMs: 10,
      attempt: 1,
      serverAddress: 'h:1',
      error: '14 UNAVAILABLE: no connection',
    });
    a.emit('retrying', { delayMs: 10, attempt: 2, serverAddress: 'h:1' });
    expect(counters.allFailed).toBe(false);
    for (const [client, id] of [
      [a, 'sim-1'],
      [b, 'sim-2'],
    ] as const) {
      client.emit('stopped', {
        failed: true,
        error: new CorralError(ErrorCode.AlreadyExists, `agent "${id}" exists`),
      });
    }
    expect(counters.allFailed).toBe(true);
    const summary = counters.summary();
    expect(summary).toMatchObject({ failed: 2, errors: 1 });
    expect(summary.topErrors).toEqual([
      { error: 'agent "…" exists', count: 2 },
      { error: '14 UNAVAILABLE: no connection', count: 1 },
    ]);
  });
});
