// LoadTest end to end inside this process: a real Corral (startInProcessCorral:
// SQLite in a temporary directory, loopback ports), simulated agents and the
// admin API. Checks that the figures add up, that agent failures are counted
// and timed, that --duration stops sending, and that agents that cannot
// connect fail the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../cli/admin-client.js';
import { silentLogger } from '../shared/logger.js';
import { startInProcessCorral, type InProcessCorral } from './in-process-corral.js';
import type { LoadTestOptions } from './load-test.js';
import { LoadTest } from './load-test.js';
import type { LoadTestReport } from './load-test-report.js';

let server: InProcessCorral;
let api: AdminClient;
let runs = 0;

beforeAll(async () => {
  server = await startInProcessCorral({}, silentLogger);
  api = new AdminClient({ apiUrl: server.apiUrl, apiKey: server.apiKey });
});
afterAll(async () => {
  await server?.stop();
});

/** Each run enrolls new agents: a fresh id prefix every time. */
function loadTest(options: Partial<LoadTestOptions>): LoadTest {
  runs += 1;
  return new LoadTest({
    api,
    serverAddress: server.grpcAddress,
    agents: 3,
    commandsPerAgent: 4,
    types: ['ping', 'status'],
    rampUpMs: 0,
    connectTimeoutMs: 20_000,
    drainTimeoutMs: 20_000,
    idPrefix: `lt${runs}`,
    ...options,
  });
}

function expectCoherent(report: LoadTestReport): void {
  expect(report.successful + report.failed).toBe(report.totalCommands);
  expect(Object.values(report.outcomes).reduce((a, b) => a + b, 0)).toBe(report.totalCommands);
  const times = report.responseTimeMs;
  expect(times.p95).toBeLessThanOrEqual(times.p99);
  expect(times.p99).toBeLessThanOrEqual(times.max);
  expect(times.average).toBeLessThanOrEqual(times.max);
}

describe('LoadTest against an in-process Corral', () => {
  it('sends agents × commands-per-agent commands and times every outcome', async () => {
    const test = loadTest({});
    const report = await test.run();
    expectCoherent(report);
    expect(report).toMatchObject({
      plannedCommands: 12,
      totalCommands: 12,
      successful: 12,
      failed: 0,
      successPercent: 100,
      outcomes: { succeeded: 12 },
      interrupted: false,
    });
    expect(report.responseTimeMs.count).toBe(12);
    expect(report.responseTimeMs.max).toBeGreaterThan(0);
    expect(report.throughputPerSecond).toBeGreaterThan(0);
    expect(test.progress()).toMatchObject({ sent: 12, inFlight: 0, outstanding: 0 });
    // Each agent got its share, as single-agent commands of both types.
    for (const agentId of ['lt1-1', 'lt1-2', 'lt1-3']) {
      const items = await api.getAll<{ type: string; status: string }>('/commands', { agentId }, 100);
      expect(items).toHaveLength(4);
      expect(new Set(items.map((c) => c.type))).toEqual(new Set(['ping', 'status']));
      expect(items.every((c) => c.status === 'succeeded')).toBe(true);
    }
  });

  it('counts and times the commands the agents fail, with the reason', async () => {
    const report = await loadTest({ agents: 2, commandsPerAgent: 3, failureModes: { failRate: 1 } }).run();
    expectCoherent(report);
    expect(report).toMatchObject({ totalCommands: 6, successful: 0, failed: 6, failedPercent: 100 });
    expect(report.outcomes).toEqual({ failed: 6 });
    expect(report.responseTimeMs.count).toBe(6);
    expect(report.failureReasons).toEqual([
      { reason: expect.stringContaining('simulated failure'), count: 6 },
    ]);
    expect(report.failedCommands).toHaveLength(6);
  });

  it('counts commands the API refuses as failed', async () => {
    const report = await loadTest({ agents: 1, commandsPerAgent: 4, types: ['ping', 'custom:nosuch'] }).run();
    expectCoherent(report);
    expect(report).toMatchObject({ totalCommands: 4, successful: 2, failed: 2, outcomes: { refused: 2 } });
    expect(report.failedCommands.every((c) => c.commandId === null && c.type === 'custom:nosuch')).toBe(true);
  });

  it('stops sending after the duration', async () => {
    // At 20 commands/s, 300 ms allows a handful of the 100 planned, however fast the machine.
    const report = await loadTest({
      agents: 2,
      commandsPerAgent: 50,
      ratePerSecond: 20,
      durationMs: 300,
    }).run();
    expectCoherent(report);
    expect(report.plannedCommands).toBe(100);
    expect(report.totalCommands).toBeGreaterThan(0);
    expect(report.totalCommands).toBeLessThan(20);
  });

  it('fails the run when the agents cannot connect', async () => {
    const test = loadTest({ agents: 2, serverAddress: '127.0.0.1:1', connectTimeoutMs: 1_000 });
    await expect(test.run()).rejects.toThrow(/0 of 2 simulated agents connected in time/);
  });
});
