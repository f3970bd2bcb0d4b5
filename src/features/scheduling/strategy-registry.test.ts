import { describe, expect, it } from 'vitest';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import { byLeastLoaded } from './least-loaded.js';
import { makeCandidate } from './agent-candidate.js';
import { place } from './scheduler-core.js';
import { defineStrategy } from './strategy.js';
import { BuiltInStrategy, createStrategyRegistry, DEFAULT_STRATEGY_NAME } from './strategy-registry.js';

const thrown = (fn: () => unknown): CorralError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof CorralError) return error;
  }
  throw new Error('expected a CorralError');
};

describe('strategy registry', () => {
  it('holds the six built-ins under their configuration names', () => {
    const registry = createStrategyRegistry();
    expect(registry.names()).toEqual(Object.values(BuiltInStrategy).sort());
    for (const name of registry.names()) expect(registry.get(name).name).toBe(name);
    expect(registry.get(DEFAULT_STRATEGY_NAME).name).toBe('least_loaded');
  });

  it('rejects an unknown name, listing the valid ones', () => {
    const error = thrown(() => createStrategyRegistry().get('fastest'));
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.message).toContain('"fastest"');
    for (const name of Object.values(BuiltInStrategy)) expect(error.message).toContain(name);
    expect(error.violations[0]?.field).toBe('LOAD_BALANCING_STRATEGY');
  });

  it('accepts a custom strategy by name, which place then uses within the eligibility rules', () => {
    const registry = createStrategyRegistry();
    // The seed's example: only lightly loaded agents, least loaded first.
    registry.register(
      defineStrategy('light_only', (_request, eligible) =>
        eligible.filter((a) => a.load < 0.5).sort(byLeastLoaded),
      ),
    );
    const agents = [
      makeCandidate({ id: 'busy', load: 0.7 }),
      makeCandidate({ id: 'idle', load: 0.1 }),
      makeCandidate({ id: 'gone', load: 0, connected: false }),
    ];
    const result = place({ count: 2, priority: 'normal' }, agents, registry.get('light_only'));
    expect(result.assigned.map((a) => a.id)).toEqual(['idle']);
    expect(result.shortBy).toBe(1);
  });

  it('refuses a duplicate or badly formed name', () => {
    const registry = createStrategyRegistry();
    const custom = defineStrategy('least_loaded', (_request, eligible) => eligible);
    expect(thrown(() => registry.register(custom)).code).toBe(ErrorCode.AlreadyExists);
    const badName = defineStrategy('Least Loaded', (_request, eligible) => eligible);
    expect(thrown(() => registry.register(badName)).code).toBe(ErrorCode.InvalidArgument);
  });
});
