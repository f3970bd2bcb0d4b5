// `corral simulate` flag validation, wiring and progress line (no simulation is run).
import { describe, expect, it, vi } from 'vitest';
import type { SimulationReport } from '../../agent/simulator.js';
import { UsageError } from '../usage-error.js';
import type { SimulateConfig, SimulateFlags } from './simulate-command.js';
import { formatProgress, parseSimulateFlags, simulateCommand } from './simulate-command.js';

const base: SimulateFlags = {
  server: 'localhost:7443',
  enrollSecret: 'ces_sim',
  agents: '100',
  rampUp: '10s',
  idPrefix: 'sim',
  duration: '0',
  reportInterval: '5s',
  output: 'table',
  logLevel: 'error',
};

describe('parseSimulateFlags', () => {
  it('reads the defaults into simulation options', () => {
    expect(parseSimulateFlags(base)).toEqual({
      simulation: {
        serverAddress: ['localhost:7443'],
        enrollmentSecret: 'ces_sim',
        agents: 100,
        rampUpMs: 10_000,
        idPrefix: 'sim',
        durationMs: 0,
        reportIntervalMs: 5_000,
        tls: false,
        separateConnections: true,
      },
      output: 'table',
      logLevel: 'error',
    });
  });

  it('reads durations, the heartbeat override and a shared connection', () => {
    const { simulation } = parseSimulateFlags({
      ...base,
      rampUp: '0',
      duration: '5m',
      heartbeatInterval: '1500ms',
      warmupInterval: '10s',
      reportInterval: '0',
      sharedConnection: true,
    });
    expect(simulation).toMatchObject({
      rampUpMs: 0,
      durationMs: 300_000,
      heartbeatIntervalMs: 1_500,
      warmupIntervalMs: 10_000,
      reportIntervalMs: 0,
      separateConnections: false,
    });
  });

  it.each<[string, Partial<SimulateFlags>, RegExp]>([
    ['missing --agents', { agents: undefined }, /--agents is required/],
    [
      'warm-up without a heartbeat interval',
      { warmupInterval: '5s' },
      /--warmup-interval needs --heartbeat-interval/,
    ],
    ['zero agents', { agents: '0' }, /--agents: "0" must be a whole number from 1/],
    ['fractional agents', { agents: '2.5' }, /--agents/],
    ['too many agents', { agents: '100001' }, /--agents/],
    [
      'missing secret',
      { enrollSecret: undefined },
      /--enroll-secret \(or CORRAL_ENROLL_SECRET\) is required/,
    ],
    ['bad ramp-up', { rampUp: 'slowly' }, /--ramp-up/],
    ['bad prefix', { idPrefix: 'sim agents' }, /--id-prefix/],
    ['tiny report interval', { reportInterval: '10ms' }, /--report-interval: must be 0 or at least 100ms/],
    ['bad server', { server: 'nowhere' }, /--server/],
    ['bad second server', { server: 'a:7443,nowhere' }, /--server: "nowhere" is not host:port/],
    ['fail rate above 1', { failRate: '1.5' }, /--fail-rate: "1.5" must be a number from 0 to 1/],
    ['negative stall rate', { stallRate: '-0.1' }, /--stall-rate: "-0.1" must be a number from 0 to 1/],
    ['bad added latency', { addedLatency: 'soon' }, /--added-latency/],
    ['crash after zero', { crashAfter: '0' }, /--crash-after: "0" must be a whole number from 1/],
    [
      'buffer budget that is not a number',
      { maxBufferKib: 'big' },
      /--max-buffer-kib: "big" must be a whole/,
    ],
    [
      'reject rate above 1',
      { rejectConfigRate: '2' },
      /--reject-config-rate: "2" must be a number from 0 to 1/,
    ],
  ])('rejects %s', (_case, flags, message) => {
    const attempt = () => parseSimulateFlags({ ...base, ...flags });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });
});

describe('failure simulation flags', () => {
  it('are absent unless given', () => {
    expect(parseSimulateFlags(base).simulation.failureModes).toBeUndefined();
    expect(parseSimulateFlags(base).simulation).not.toHaveProperty('rejectConfigRate');
  });

  it('read the configuration refusal rate and the buffer budget', () => {
    expect(
      parseSimulateFlags({ ...base, rejectConfigRate: '0.25', maxBufferKib: '1024' }).simulation,
    ).toMatchObject({ rejectConfigRate: 0.25, maxEventBufferKiB: 1_024 });
  });

  it('read rates, latency and crash count into failure modes', () => {
    const { simulation } = parseSimulateFlags({
      ...base,
      failRate: '0.05',
      addedLatency: '250ms',
      crashAfter: '20',
      stallRate: '1',
    });
    expect(simulation.failureModes).toEqual({
      failRate: 0.05,
      addedLatencyMs: 250,
      crashAfter: 20,
      stallRate: 1,
    });
  });

  it('come through commander', async () => {
    const run = vi.fn<(config: SimulateConfig) => Promise<void>>().mockResolvedValue();
    await simulateCommand(run)
      .exitOverride()
      .parseAsync(
        [
          '--server',
          'corral:7443',
          '--enroll-secret',
          's',
          '--agents',
          '2',
          '--fail-rate',
          '.5',
          '--crash-after',
          '3',
        ],
        { from: 'user' },
      );
    expect(run.mock.calls[0]?.[0].simulation.failureModes).toEqual({ failRate: 0.5, crashAfter: 3 });
  });
});

describe('simulateCommand', () => {
  it('wires the flags through commander, with -o json', async () => {
    const run = vi.fn<(config: SimulateConfig) => Promise<void>>().mockResolvedValue();
    await simulateCommand(run)
      .exitOverride()
      .parseAsync(['--server', 'corral:7443', '--enroll-secret', 's3cret', '--agents', '3', '-o', 'json'], {
        from: 'user',
      });
    expect(run.mock.calls[0]?.[0]).toMatchObject({
      output: 'json',
      simulation: { agents: 3, rampUpMs: 10_000 },
    });
  });
});

describe('formatProgress', () => {
  it('puts the numbers an operator watches on one line', () => {
    const report: SimulationReport = {
      agents: 10,
      started: 10,
      connected: 9,
      peakConnected: 10,
      failed: 1,
      heartbeatsSent: 100,
      heartbeatsAcked: 99,
      reconnects: 2,
      sessionRefreshes: 0,
      errors: 3,
      configurationsApplied: 10,
      configurationsFailed: 0,
      policySetsApplied: 10,
      policySetsFailed: 0,
      elapsedMs: 12_345,
      intervalMs: 5_000,
      heartbeatsSentPerSecond: 2,
      heartbeatsAckedPerSecond: 1.8,
      newErrors: 1,
      ackLatencyMs: { count: 9, p50: 1, p90: 2, p99: 3.5, max: 4 },
    };
    expect(formatProgress(report)).toBe(
      '[   12.3s] connected 9/10 (started 10, failed 1) | heartbeats 2/s sent, 1.8/s acked, ack p99 3.5 ms' +
        ' | reconnects 2 | errors 3 (+1)',
    );
  });
});
