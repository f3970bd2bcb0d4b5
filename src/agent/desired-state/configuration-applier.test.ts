// ConfigurationApplier: what applies and what is refused (naming the field),
// that a refusal changes nothing, and that the hash already run is not applied twice.
import { describe, expect, it, vi } from 'vitest';
import {
  BUILT_IN_DEFAULTS,
  type AgentConfiguration,
} from '../../features/configuration/agent-configuration.js';
import type { ConfigurationUpdate__Output } from '../../gen/proto/corral/agent/v1/ConfigurationUpdate.js';
import type { ConfigurationApplierOptions } from './configuration-applier.js';
import { ConfigurationApplier, SIMULATED_REFUSAL } from './configuration-applier.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

type Overrides = { [K in keyof AgentConfiguration]?: Partial<AgentConfiguration[K]> | AgentConfiguration[K] };

/** The defaults with some sections (partly) replaced. */
function config(overrides: Overrides = {}): AgentConfiguration {
  const merged: Record<string, unknown> = { ...BUILT_IN_DEFAULTS };
  for (const [key, value] of Object.entries(overrides)) {
    const base = merged[key];
    merged[key] =
      value !== null && typeof value === 'object' && typeof base === 'object' ? { ...base, ...value } : value;
  }
  return merged as AgentConfiguration;
}

const update = (hash: string, document: unknown): ConfigurationUpdate__Output => ({
  hash,
  configJson: typeof document === 'string' ? document : JSON.stringify(document),
  revisionIds: ['rev-1'],
});

function applier(overrides: Partial<ConfigurationApplierOptions> = {}) {
  const effects = { setLogLevel: vi.fn(), setReportIntervalMs: vi.fn() };
  const subject = new ConfigurationApplier({
    limits: { maxEventBufferKiB: 65_536, tracing: true },
    effects,
    clock: { now: () => 1_000 },
    ...overrides,
  });
  return { subject, effects };
}

describe('ConfigurationApplier', () => {
  it('applies a valid configuration: log level and report interval at once, the rest kept', () => {
    const { subject, effects } = applier();
    const wanted = config({ logLevel: 'debug', reportIntervalSeconds: 2, metadata: { site: 'lab' } });
    expect(subject.apply(update(HASH_A, wanted))).toEqual({
      hash: HASH_A,
      applied: true,
      error: '',
      unchanged: false,
    });
    expect(effects.setLogLevel).toHaveBeenCalledWith('debug');
    expect(effects.setReportIntervalMs).toHaveBeenCalledWith(2_000);
    expect(subject.running).toEqual({
      hash: HASH_A,
      config: wanted,
      revisionIds: ['rev-1'],
      appliedAtMs: 1_000,
    });
    expect(Object.isFrozen(subject.running?.config.metadata)).toBe(true);
  });

  it('reports the hash it already runs as applied again without applying anything', () => {
    const { subject, effects } = applier();
    subject.apply(update(HASH_A, config()));
    vi.clearAllMocks();
    expect(subject.apply(update(HASH_A, config()))).toMatchObject({ applied: true, unchanged: true });
    expect(effects.setLogLevel).not.toHaveBeenCalled();
    expect(effects.setReportIntervalMs).not.toHaveBeenCalled();
  });

  it('refuses a document that is not JSON', () => {
    const { subject } = applier();
    const result = subject.apply(update(HASH_A, '{"logLevel":'));
    expect(result).toMatchObject({ applied: false, unchanged: false });
    expect(result.error).toMatch(/^config_json is not valid JSON: /);
  });

  it('refuses a configuration the schema rejects, naming every field', () => {
    const { subject } = applier();
    const broken = { ...config({ bufferSizes: { maxBatchSize: 0 } }), logLevel: 'loud', surprise: true };
    const { error } = subject.apply(update(HASH_A, broken));
    expect(error).toMatch(/^configuration is invalid: /);
    expect(error).toContain('logLevel: must be one of trace, debug, info, warn, error');
    expect(error).toContain('bufferSizes.maxBatchSize: must be at least 1');
    expect(error).toMatch(/\(document\): .*surprise/);
    const { logLevel: _dropped, ...missing } = config();
    expect(subject.apply(update(HASH_B, missing)).error).toMatch(/logLevel: /);
  });

  it("refuses an event buffer above the agent's memory budget", () => {
    const { subject } = applier({ limits: { maxEventBufferKiB: 1_024, tracing: true } });
    const result = subject.apply(update(HASH_A, config({ bufferSizes: { eventBufferKiB: 2_048 } })));
    expect(result).toMatchObject({ applied: false });
    expect(result.error).toBe(
      "configuration cannot run on this agent: bufferSizes.eventBufferKiB: 2048 KiB is above this agent's memory budget of 1024 KiB",
    );
    expect(subject.apply(update(HASH_B, config({ bufferSizes: { eventBufferKiB: 1_024 } }))).applied).toBe(
      true,
    );
  });

  it('refuses tracing on an agent built without it, and tracing with nowhere to send', () => {
    const { subject } = applier({ limits: { maxEventBufferKiB: 65_536, tracing: false } });
    const tracing = { enabled: true, endpoint: 'https://otel.example.com:4318' };
    expect(subject.apply(update(HASH_A, config({ tracing }))).error).toMatch(
      /tracing\.enabled: this agent was built without tracing/,
    );
    // Disabled tracing is fine whatever the build.
    expect(subject.apply(update(HASH_B, config({ tracing: { ...tracing, enabled: false } }))).applied).toBe(
      true,
    );

    const { subject: traced } = applier();
    expect(traced.apply(update(HASH_A, config({ tracing: { enabled: true, endpoint: '' } }))).error).toMatch(
      /tracing\.endpoint: empty; tracing\.enabled needs an http\(s\) endpoint/,
    );
    expect(
      traced.apply(update(HASH_A, config({ tracing: { enabled: true, endpoint: 'ftp://otel.example.com' } })))
        .error,
    ).toMatch(/tracing\.endpoint: must be an http\(s\) URL/);
    expect(traced.apply(update(HASH_B, config({ tracing }))).applied).toBe(true);
  });

  it('keeps running what it ran before after a refusal', () => {
    const { subject, effects } = applier({ limits: { maxEventBufferKiB: 8_192, tracing: true } });
    expect(subject.apply(update(HASH_A, config({ logLevel: 'warn' }))).applied).toBe(true);
    vi.clearAllMocks();
    const refusal = subject.apply(
      update(HASH_B, config({ logLevel: 'trace', bufferSizes: { eventBufferKiB: 16_384 } })),
    );
    expect(refusal.applied).toBe(false);
    expect(effects.setLogLevel).not.toHaveBeenCalled();
    expect(subject.running).toMatchObject({ hash: HASH_A, config: { logLevel: 'warn' } });
  });

  it('restores the previous configuration when applying fails half-way', () => {
    const { subject, effects } = applier();
    subject.apply(update(HASH_A, config({ logLevel: 'warn', reportIntervalSeconds: 5 })));
    effects.setReportIntervalMs.mockImplementationOnce(() => {
      throw new Error('timer broke');
    });
    const result = subject.apply(update(HASH_B, config({ logLevel: 'debug', reportIntervalSeconds: 1 })));
    expect(result).toMatchObject({ applied: false, error: 'applying the configuration failed: timer broke' });
    expect(effects.setLogLevel).toHaveBeenLastCalledWith('warn');
    expect(effects.setReportIntervalMs).toHaveBeenLastCalledWith(5_000);
    expect(subject.running?.hash).toBe(HASH_A);
  });

  it('refuses everything on purpose when told to (simulated), but still names invalid documents', () => {
    const { subject } = applier({ refuseAll: true });
    expect(subject.apply(update(HASH_A, config())).error).toBe(SIMULATED_REFUSAL);
    expect(subject.apply(update(HASH_B, '[]')).error).toMatch(/^configuration is invalid/);
    expect(subject.running).toBeUndefined();
  });

  it('forgets what it runs, so the same hash applies afresh', () => {
    const { subject, effects } = applier();
    subject.apply(update(HASH_A, config()));
    subject.forget();
    expect(subject.running).toBeUndefined();
    expect(subject.apply(update(HASH_A, config()))).toMatchObject({ applied: true, unchanged: false });
    expect(effects.setLogLevel).toHaveBeenCalledTimes(2);
  });
});
