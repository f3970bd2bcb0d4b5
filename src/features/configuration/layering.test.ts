import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  agentConfigurationSchema,
  BUILT_IN_DEFAULTS,
  LOG_LEVELS,
  SECTIONS,
  type ConfigurationLayer,
} from './agent-configuration.js';
import { configurationHash, diffDocuments, effectiveConfiguration, mergeLayers } from './layering.js';

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const metadataKey = fc.constantFrom('site', 'team', 'tier', 'owner');

/** Layers as operators write them: any subset of fields, sections partially. */
const layer: fc.Arbitrary<ConfigurationLayer> = fc
  .record({
    logLevel: maybe(fc.constantFrom(...LOG_LEVELS)),
    reportIntervalSeconds: maybe(fc.integer({ min: 1, max: 3_600 })),
    connectionLimits: maybe(
      fc.record(
        {
          maxConnections: fc.integer({ min: 1, max: 1_000_000 }),
          connectTimeoutSeconds: fc.integer({ min: 1, max: 300 }),
          idleTimeoutSeconds: fc.integer({ min: 1, max: 86_400 }),
        },
        { requiredKeys: [] },
      ),
    ),
    bufferSizes: maybe(
      fc.record({ eventBufferKiB: fc.integer({ min: 1, max: 1_048_576 }) }, { requiredKeys: [] }),
    ),
    metrics: maybe(fc.record({ enabled: fc.boolean(), detailed: fc.boolean() }, { requiredKeys: [] })),
    tracing: maybe(
      fc.record({ sampleRate: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: [] }),
    ),
    metadata: maybe(fc.dictionary(metadataKey, fc.option(fc.string({ maxLength: 8 }), { nil: null }))),
  })
  .map((l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) as ConfigurationLayer);

describe('effectiveConfiguration', () => {
  it('is the built-in defaults when no layer says anything', () => {
    expect(effectiveConfiguration([])).toEqual(BUILT_IN_DEFAULTS);
    expect(effectiveConfiguration([{}, {}])).toEqual(BUILT_IN_DEFAULTS);
  });

  it('is always a complete, valid configuration', () => {
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 5 }), (layers) => {
        expect(agentConfigurationSchema.safeParse(effectiveConfiguration(layers)).success).toBe(true);
      }),
    );
  });

  it('takes every field from the last layer that sets it, else from the defaults', () => {
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 5 }), (layers) => {
        const config = effectiveConfiguration(layers);
        const lastSet = <T>(read: (l: ConfigurationLayer) => T | undefined, fallback: T): T =>
          layers.reduce<T>((value, l) => read(l) ?? value, fallback);
        expect(config.logLevel).toBe(lastSet((l) => l.logLevel, BUILT_IN_DEFAULTS.logLevel));
        expect(config.reportIntervalSeconds).toBe(
          lastSet((l) => l.reportIntervalSeconds, BUILT_IN_DEFAULTS.reportIntervalSeconds),
        );
        for (const section of SECTIONS) {
          for (const [field, value] of Object.entries(BUILT_IN_DEFAULTS[section])) {
            const read = (l: ConfigurationLayer) =>
              (l[section] as Record<string, unknown> | undefined)?.[field] as unknown;
            expect((config[section] as Record<string, unknown>)[field]).toEqual(lastSet(read, value));
          }
        }
        for (const key of ['site', 'team', 'tier', 'owner']) {
          const last = layers.reduce<string | null | undefined>(
            (value, l) => (l.metadata && key in l.metadata ? l.metadata[key] : value),
            undefined,
          );
          expect(config.metadata[key]).toBe(last ?? undefined);
        }
      }),
    );
  });

  it('lets a later layer win over an earlier one (agent over group over fleet)', () => {
    const fleet: ConfigurationLayer = { logLevel: 'warn', connectionLimits: { maxConnections: 100 } };
    const group: ConfigurationLayer = { logLevel: 'debug', metadata: { site: 'lab', team: 'blue' } };
    const agent: ConfigurationLayer = {
      connectionLimits: { connectTimeoutSeconds: 3 },
      metadata: { team: null },
    };
    expect(effectiveConfiguration([fleet, group, agent])).toEqual({
      ...BUILT_IN_DEFAULTS,
      logLevel: 'debug',
      connectionLimits: {
        ...BUILT_IN_DEFAULTS.connectionLimits,
        maxConnections: 100,
        connectTimeoutSeconds: 3,
      },
      metadata: { site: 'lab' },
    });
  });
});

describe('mergeLayers', () => {
  it('is the same as applying the two layers in turn', () => {
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 3 }), layer, layer, (below, a, b) => {
        expect(effectiveConfiguration([...below, mergeLayers(a, b)])).toEqual(
          effectiveConfiguration([...below, a, b]),
        );
      }),
    );
  });
});

describe('configurationHash', () => {
  it('depends on content only', () => {
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 3 }), fc.array(layer, { maxLength: 3 }), (a, b) => {
        const [x, y] = [effectiveConfiguration(a), effectiveConfiguration(b)];
        expect(configurationHash(x) === configurationHash(y)).toBe(
          JSON.stringify(sorted(x)) === JSON.stringify(sorted(y)),
        );
      }),
    );
  });
});

describe('diffDocuments', () => {
  it('finds nothing between equal documents and every changed, added and removed field otherwise', () => {
    expect(diffDocuments(BUILT_IN_DEFAULTS, structuredClone(BUILT_IN_DEFAULTS))).toEqual([]);
    expect(
      diffDocuments(
        { logLevel: 'info', metrics: { enabled: true }, metadata: { a: '1' } },
        { logLevel: 'debug', metrics: { enabled: true, detailed: true }, metadata: {} },
      ),
    ).toEqual([
      { path: 'logLevel', from: 'info', to: 'debug' },
      { path: 'metadata.a', from: '1' },
      { path: 'metrics.detailed', to: true },
    ]);
  });

  it('is empty exactly when the configurations hash the same', () => {
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 3 }), fc.array(layer, { maxLength: 3 }), (a, b) => {
        const [x, y] = [effectiveConfiguration(a), effectiveConfiguration(b)];
        expect(diffDocuments(x, y).length === 0).toBe(configurationHash(x) === configurationHash(y));
      }),
    );
  });
});

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, sorted(v)]),
    );
  return value;
}
