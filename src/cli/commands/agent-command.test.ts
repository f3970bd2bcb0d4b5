// `corral agent` flag validation and wiring (the agent itself is not started).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../usage-error.js';
import type { AgentCommandConfig, AgentFlags } from './agent-command.js';
import { agentCommand, parseAgentFlags } from './agent-command.js';

const base: AgentFlags = { server: 'localhost:7443', stateDir: './.corral-agent', logLevel: 'info' };

let dir: string;
let caFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-agent-cli-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, '-----BEGIN CERTIFICATE-----\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseAgentFlags', () => {
  it('reads a full command line', () => {
    const config = parseAgentFlags({
      ...base,
      enrollSecret: 'ces_abc',
      agentId: 'edge-01',
      name: 'Edge 01',
      type: 'blocking',
      capabilities: 'block, scan,block',
      label: ['site=lab', 'tier=1'],
      heartbeatInterval: '5s',
      maxBufferKib: '8192',
      caFile,
      logLevel: 'debug',
    });
    expect(config).toEqual({
      serverAddress: ['localhost:7443'],
      enrollmentSecret: 'ces_abc',
      stateDir: './.corral-agent',
      facts: {
        agentId: 'edge-01',
        name: 'Edge 01',
        type: 'blocking',
        capabilities: ['block', 'scan'],
        labels: { site: 'lab', tier: '1' },
      },
      heartbeatIntervalMs: 5_000,
      maxEventBufferKiB: 8_192,
      tls: true,
      caFile,
      logLevel: 'debug',
      logLevelFixed: true,
    });
  });

  it('leaves optional facts to their defaults', () => {
    const config = parseAgentFlags(base);
    expect(config.facts).toEqual({ capabilities: [], labels: {} });
    expect(config.tls).toBe(false);
    expect(config.heartbeatIntervalMs).toBeUndefined();
    expect(config).not.toHaveProperty('maxEventBufferKiB');
  });

  it('logs at info, following the configuration, unless --log-level fixes the level', () => {
    expect(parseAgentFlags({ ...base, logLevel: undefined })).toMatchObject({
      logLevel: 'info',
      logLevelFixed: false,
    });
    expect(parseAgentFlags({ ...base, logLevel: 'warn' })).toMatchObject({
      logLevel: 'warn',
      logLevelFixed: true,
    });
  });

  it.each<[string, Partial<AgentFlags>, RegExp]>([
    ['missing server', { server: undefined }, /--server is required/],
    ['server without port', { server: 'localhost' }, /--server: "localhost" is not host:port/],
    ['server port out of range', { server: 'h:70000' }, /--server/],
    ['agent id with spaces', { agentId: 'edge 1' }, /--agent-id/],
    ['empty capability', { capabilities: 'a,,b' }, /--capabilities: "a,,b" has an empty item/],
    ['label without =', { label: ['site'] }, /--label: "site" must be key=value/],
    ['label given twice', { label: ['a=1', 'a=2'] }, /--label: a is given twice/],
    ['bad duration', { heartbeatInterval: 'often' }, /--heartbeat-interval: invalid duration "often"/],
    ['too fast heartbeat', { heartbeatInterval: '10ms' }, /--heartbeat-interval: "10ms" is out of range/],
    ['unreadable CA file', { caFile: '/nonexistent/ca.pem' }, /--ca-file: cannot read \/nonexistent\/ca.pem/],
    ['unknown log level', { logLevel: 'loud' }, /--log-level: "loud" must be one of/],
    ['blank secret', { enrollSecret: ' ' }, /--enroll-secret/],
    ['empty name', { name: '' }, /--name/],
    [
      'fail rate that is not a number',
      { failRate: 'some' },
      /--fail-rate: "some" must be a number from 0 to 1/,
    ],
    ['stall rate above 1', { stallRate: '2' }, /--stall-rate/],
    ['negative added latency', { addedLatency: '-1s' }, /--added-latency/],
    ['fractional crash count', { crashAfter: '1.5' }, /--crash-after/],
    ['zero concurrency', { maxConcurrentCommands: '0' }, /--max-concurrent-commands/],
    ['capacity that is not a number', { commandCapacity: 'lots' }, /--command-capacity/],
    ['zero buffer budget', { maxBufferKib: '0' }, /--max-buffer-kib: "0" must be a whole number from 1/],
    ['buffer budget in MiB', { maxBufferKib: '64M' }, /--max-buffer-kib/],
    ['buffer budget above the schema maximum', { maxBufferKib: '1048577' }, /--max-buffer-kib/],
  ])('rejects %s with a UsageError naming the flag', (_case, flags, message) => {
    const attempt = () => parseAgentFlags({ ...base, ...flags });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });

  it('reads the failure simulation flags', () => {
    expect(
      parseAgentFlags({ ...base, failRate: '0', addedLatency: '2s', crashAfter: '1', stallRate: '0.25' })
        .failureModes,
    ).toEqual({ failRate: 0, addedLatencyMs: 2_000, crashAfter: 1, stallRate: 0.25 });
    expect(parseAgentFlags(base).failureModes).toBeUndefined();
  });

  it('reads the command limits', () => {
    expect(parseAgentFlags({ ...base, maxConcurrentCommands: '2', commandCapacity: '6' })).toMatchObject({
      maxConcurrentCommands: 2,
      commandCapacity: 6,
    });
    expect(parseAgentFlags(base)).not.toHaveProperty('commandCapacity');
  });

  it('accepts gRPC resolver targets as they are', () => {
    expect(parseAgentFlags({ ...base, server: 'dns:///corral.internal:7443' }).serverAddress).toEqual([
      'dns:///corral.internal:7443',
    ]);
    expect(parseAgentFlags({ ...base, server: 'ipv4:10.0.0.1:7443,10.0.0.2:7443' }).serverAddress).toEqual([
      'ipv4:10.0.0.1:7443,10.0.0.2:7443',
    ]);
    expect(parseAgentFlags({ ...base, server: '[::1]:7443' }).serverAddress).toEqual(['[::1]:7443']);
  });

  it('reads several server addresses in order, without duplicates', () => {
    expect(parseAgentFlags({ ...base, server: 'a:7443,b:7443, c:7443,a:7443' }).serverAddress).toEqual([
      'a:7443',
      'b:7443',
      'c:7443',
    ]);
  });

  it.each([
    ['a:7443,b', /--server: "b" is not host:port/],
    ['a:7443,b:99999', /--server: "b:99999" is not host:port/],
    ['a:7443,,b:7443', /--server: "a:7443,,b:7443" has an empty address/],
    ['a:7443,', /has an empty address/],
    [Array.from({ length: 33 }, (_, i) => `h${i}:1`).join(','), /--server: at most 32 addresses, got 33/],
  ])('rejects the server list %s naming the bad address', (server, message) => {
    const attempt = () => parseAgentFlags({ ...base, server });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });
});

describe('agentCommand', () => {
  async function parse(argv: string[]): Promise<AgentCommandConfig> {
    const run = vi.fn<(config: AgentCommandConfig) => Promise<void>>().mockResolvedValue();
    await agentCommand(run).exitOverride().parseAsync(argv, { from: 'user' });
    expect(run).toHaveBeenCalledTimes(1);
    return run.mock.calls[0]![0];
  }

  it('wires the flags through commander', async () => {
    const config = await parse([
      '--server',
      'corral:7443',
      '--enroll-secret',
      'ces_x',
      '--label',
      'a=1',
      '--label',
      'b=2',
      '--tls',
      '--capabilities',
      'block',
    ]);
    expect(config).toMatchObject({
      serverAddress: ['corral:7443'],
      enrollmentSecret: 'ces_x',
      stateDir: './.corral-agent',
      tls: true,
      facts: { labels: { a: '1', b: '2' }, capabilities: ['block'] },
      logLevel: 'info',
      logLevelFixed: false,
    });
  });

  it('takes the enrollment secret from CORRAL_ENROLL_SECRET', async () => {
    vi.stubEnv('CORRAL_ENROLL_SECRET', 'ces_from_env');
    try {
      expect((await parse(['--server', 'corral:7443'])).enrollmentSecret).toBe('ces_from_env');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('turns a bad flag into a UsageError before running anything', async () => {
    const run = vi.fn<(config: AgentCommandConfig) => Promise<void>>();
    await expect(
      agentCommand(run).exitOverride().parseAsync(['--server', 'nope'], { from: 'user' }),
    ).rejects.toBeInstanceOf(UsageError);
    expect(run).not.toHaveBeenCalled();
  });
});
