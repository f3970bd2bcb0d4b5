// `corral loadtest` flag validation and wiring (no load test is run), and the
// progress line and summary rows it prints.
import { describe, expect, it, vi } from 'vitest';
import type { LoadTestProgress, LoadTestReport } from '../../loadtest/load-test-report.js';
import { AdminClient } from '../admin-client.js';
import { UsageError } from '../usage-error.js';
import type { LoadtestConfig, LoadtestFlags } from './loadtest-command.js';
import { loadtestCommand, parseLoadtestFlags } from './loadtest-command.js';
import { formatProgress, summaryRows } from './loadtest-output.js';

const base: LoadtestFlags = {
  apiUrl: 'http://localhost:8080',
  inProcess: true,
  agents: '10',
  commandsPerAgent: '100',
  types: 'ping,status',
  typeOrder: 'rotate',
  rampUp: '5s',
  duration: '0',
  reportInterval: '5s',
  rate: '0',
  concurrency: '16',
  connectTimeout: '60s',
  drainTimeout: '60s',
  output: 'table',
  logLevel: 'error',
};
const parse = (flags: Partial<LoadtestFlags>) => parseLoadtestFlags({ ...base, ...flags }, () => 'lt-test');

describe('parseLoadtestFlags', () => {
  it('reads the defaults into load test options', () => {
    expect(parse({})).toEqual({
      test: {
        agents: 10,
        commandsPerAgent: 100,
        types: ['ping', 'status'],
        params: {},
        typeOrder: 'rotate',
        rampUpMs: 5_000,
        durationMs: 0,
        ratePerSecond: 0,
        concurrency: 16,
        connectTimeoutMs: 60_000,
        drainTimeoutMs: 60_000,
        idPrefix: 'lt-test',
        tls: false,
      },
      target: { kind: 'in-process' },
      reportIntervalMs: 5_000,
      output: 'table',
      logLevel: 'error',
    });
  });

  it('reads a remote target, params per type, pacing and failure modes', () => {
    const config = parse({
      inProcess: undefined,
      server: 'corral:50051',
      apiKey: 'cak_key',
      types: 'scan,ping',
      params: ['scan={"durationSeconds":1}'],
      typeOrder: 'random',
      rate: '250',
      duration: '2m',
      idPrefix: 'mine',
      failRate: '0.1',
    });
    expect(config.target).toMatchObject({ kind: 'server', serverAddress: 'corral:50051' });
    expect(config.target.kind === 'server' && config.target.api).toBeInstanceOf(AdminClient);
    expect(config.test).toMatchObject({
      types: ['scan', 'ping'],
      params: { scan: { durationSeconds: 1 } },
      typeOrder: 'random',
      ratePerSecond: 250,
      durationMs: 120_000,
      idPrefix: 'mine',
      failureModes: { failRate: 0.1 },
    });
  });

  it.each<[string, Partial<LoadtestFlags>, RegExp]>([
    ['zero agents', { agents: '0' }, /--agents: "0" must be a whole number from 1/],
    ['fractional commands', { commandsPerAgent: '1.5' }, /--commands-per-agent/],
    ['too many commands', { agents: '100000', commandsPerAgent: '101' }, /--agents × --commands-per-agent/],
    ['an empty type', { types: 'ping,,status' }, /--types: .* has an empty item/],
    ['a malformed type', { types: 'Ping' }, /--types: "Ping" is not a command type/],
    ['a type that stops agents', { types: 'ping,shutdown' }, /--types: shutdown would stop/],
    ['params for a type not sent', { params: ['scan={}'] }, /--params: "scan=\{\}" must be <type>=/],
    ['params that are not an object', { params: ['ping=[1]'] }, /--params: must be a JSON object/],
    ['params given twice', { params: ['ping={}', 'ping={}'] }, /--params: ping is given twice/],
    ['a bad ramp-up', { rampUp: 'slowly' }, /--ramp-up/],
    ['a bad duration', { duration: '-1s' }, /--duration/],
    ['a negative rate', { rate: '-5' }, /--rate/],
    ['no concurrency', { concurrency: '0' }, /--concurrency: "0" must be a whole number from 1 to 1024/],
    ['a tiny report interval', { reportInterval: '10ms' }, /--report-interval: must be 0 or at least 100ms/],
    ['a short connect timeout', { connectTimeout: '10ms' }, /--connect-timeout/],
    ['a bad drain timeout', { drainTimeout: 'later' }, /--drain-timeout/],
    ['a bad prefix', { idPrefix: 'load test' }, /--id-prefix/],
    ['a fail rate above 1', { failRate: '2' }, /--fail-rate/],
    ['a bad log level', { logLevel: 'loud' }, /--log-level/],
    ['both targets', { server: 'corral:50051' }, /--server and --in-process exclude each other/],
    ['TLS in process', { tls: true }, /--tls and --ca-file need --server/],
    ['no target', { inProcess: undefined }, /give --server host:port .* or --in-process/],
    ['a bad server', { inProcess: undefined, server: 'nowhere', apiKey: 'k' }, /--server/],
    ['no API key', { inProcess: undefined, server: 'corral:50051' }, /admin API key is required/],
  ])('rejects %s', (_case, flags, message) => {
    const attempt = () => parse(flags);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });
});

describe('loadtestCommand', () => {
  it('wires the flags through commander, with a new id prefix per run', async () => {
    const run = vi.fn<(config: LoadtestConfig) => Promise<void>>().mockResolvedValue();
    const argv = [
      '--in-process',
      '--agents',
      '5',
      '--commands-per-agent',
      '4',
      '--params',
      'ping={}',
      '-o',
      'json',
    ];
    await loadtestCommand(run).exitOverride().parseAsync(argv, { from: 'user' });
    await loadtestCommand(run).exitOverride().parseAsync(argv, { from: 'user' });
    const [first, second] = run.mock.calls.map(([config]) => config);
    expect(first).toMatchObject({
      output: 'json',
      target: { kind: 'in-process' },
      test: { agents: 5, commandsPerAgent: 4, params: { ping: {} }, types: ['ping', 'status'] },
    });
    expect(first?.test.idPrefix).toMatch(/^loadtest-[0-9a-f]{8}$/);
    expect(second?.test.idPrefix).not.toBe(first?.test.idPrefix);
  });
});

describe('output', () => {
  const progress: LoadTestProgress = {
    phase: 'sending',
    elapsedMs: 12_345,
    agents: 10,
    connected: 10,
    plannedCommands: 1_000,
    sent: 400,
    inFlight: 16,
    outstanding: 40,
    successful: 340,
    failed: 20,
    timed: 350,
    p95Ms: 42.5,
  };

  it('puts the numbers an operator watches on one progress line, with the rate since the last', () => {
    const previous = { ...progress, elapsedMs: 10_345, successful: 240, failed: 20 };
    expect(formatProgress(progress, previous)).toBe(
      '[   12.3s] sending | agents 10/10 | sent 400/1000 (16 in flight)' +
        ' | finished 360: 340 ok, 20 failed, 40 waiting | 50/s | p95 42.5 ms',
    );
  });

  it('summarises a report with units and one row per final status', () => {
    const report: LoadTestReport = {
      agents: 2,
      commandsPerAgent: 2,
      types: ['ping'],
      plannedCommands: 4,
      totalCommands: 4,
      successful: 3,
      failed: 1,
      successPercent: 75,
      failedPercent: 25,
      outcomes: { failed: 1, succeeded: 3 },
      responseTimeMs: { count: 4, average: 12.5, p95: 20, p99: 20, max: 20 },
      throughputPerSecond: 8,
      connectMs: 30,
      sendingMs: 400,
      drainMs: 100,
      interrupted: false,
      failureReasons: [{ reason: 'failed: simulated failure', count: 1 }],
      failedCommands: [],
    };
    const rows = Object.fromEntries(summaryRows(report).map(({ metric, value }) => [metric, value]));
    expect(rows).toMatchObject({
      'total commands': '4 of 4 planned',
      successful: '3 (75%)',
      failed: '1 (25%)',
      '  failed': 1,
      '  succeeded': 3,
      'response time p95': '20 ms',
      throughput: '8 commands/s',
    });
    expect(rows).not.toHaveProperty('interrupted');
  });
});
