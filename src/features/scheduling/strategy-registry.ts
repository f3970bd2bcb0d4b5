// Strategies by name: the six built-ins plus any custom ones registered at
// start-up. `get` is what validates LOAD_BALANCING_STRATEGY.

import { alreadyExists, invalidArgument } from '../../shared/errors.js';
import { createAdaptiveStrategy } from './adaptive.js';
import { capabilityMatch } from './capability-match.js';
import { leastLoaded } from './least-loaded.js';
import { locality } from './locality.js';
import { roundRobin } from './round-robin.js';
import type { BalancingStrategy, RandomSource } from './strategy.js';
import { weighted } from './weighted.js';

export const BuiltInStrategy = {
  RoundRobin: 'round_robin',
  LeastLoaded: 'least_loaded',
  CapabilityMatch: 'capability_match',
  Weighted: 'weighted',
  Adaptive: 'adaptive',
  Locality: 'locality',
} as const;
export type BuiltInStrategy = (typeof BuiltInStrategy)[keyof typeof BuiltInStrategy];

/** The seed's default for LOAD_BALANCING_STRATEGY. */
export const DEFAULT_STRATEGY_NAME: BuiltInStrategy = BuiltInStrategy.LeastLoaded;

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

export interface StrategyRegistry {
  /** Adds a custom strategy; its name must be new and lower snake case. */
  register<S>(strategy: BalancingStrategy<S>): void;
  /** The strategy with this name; an unknown name is an invalid_argument that lists the valid ones. */
  get(name: string): BalancingStrategy<unknown>;
  names(): string[];
}

export interface StrategyRegistryOptions {
  /** Randomness for the adaptive strategy's exploration. */
  readonly random?: RandomSource;
}

export function createStrategyRegistry(options: StrategyRegistryOptions = {}): StrategyRegistry {
  const strategies = new Map<string, BalancingStrategy<unknown>>();
  const registry: StrategyRegistry = {
    register(strategy) {
      if (!NAME.test(strategy.name))
        throw invalidArgument(`strategy name ${JSON.stringify(strategy.name)} is not lower snake case`, [
          { field: 'name', description: 'expected [a-z][a-z0-9_]*, at most 63 characters' },
        ]);
      if (strategies.has(strategy.name))
        throw alreadyExists(`a strategy named ${JSON.stringify(strategy.name)} is already registered`);
      strategies.set(strategy.name, strategy);
    },
    get(name) {
      const strategy = strategies.get(name);
      if (strategy === undefined) {
        const valid = registry.names().join(', ');
        throw invalidArgument(`unknown load-balancing strategy ${JSON.stringify(name)}; valid: ${valid}`, [
          { field: 'LOAD_BALANCING_STRATEGY', description: `must be one of: ${valid}` },
        ]);
      }
      return strategy;
    },
    names: () => [...strategies.keys()].sort(),
  };
  const builtIns: BalancingStrategy<unknown>[] = [
    roundRobin,
    leastLoaded,
    capabilityMatch,
    weighted,
    createAdaptiveStrategy(options.random === undefined ? {} : { random: options.random }),
    locality,
  ];
  for (const strategy of builtIns) registry.register(strategy);
  return registry;
}
