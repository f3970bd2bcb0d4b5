import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  makeCandidate,
  NO_STATS,
  type CandidateInput,
  type AgentCandidate,
  type AgentStats,
} from './agent-candidate.js';
import { createAdaptiveStrategy, recordOutcome } from './adaptive.js';
import { capabilityMatch } from './capability-match.js';
import { leastLoaded } from './least-loaded.js';
import { locality } from './locality.js';
import { roundRobin } from './round-robin.js';
import { candidatesArb, requestArb, seededRandom } from './scheduling.fixtures.js';
import { place } from './scheduler-core.js';
import type { BalancingStrategy, PlacementRequest } from './strategy.js';
import { weighted } from './weighted.js';
import { DEFAULT_LIMITS, isEligible } from './eligibility.js';

const one: PlacementRequest = { count: 1, priority: 'normal' };
const roomy = (id: string, extra: Omit<CandidateInput, 'id'> = {}) =>
  makeCandidate({ id, maxConcurrent: 1_000_000, ...extra });

/** Runs `calls` placements, feeding state back (not inFlight, so the agents stay roomy); counts per agent. */
function tally<S>(
  strategy: BalancingStrategy<S>,
  agents: readonly AgentCandidate[],
  calls: number,
  request: PlacementRequest = one,
): Map<string, number> {
  const counts = new Map(agents.map((a) => [a.id, 0]));
  let state = strategy.initialState;
  for (let i = 0; i < calls; i++) {
    const result = place(request, agents, strategy, DEFAULT_LIMITS, state);
    state = result.state;
    for (const a of result.assigned) counts.set(a.id, (counts.get(a.id) ?? 0) + 1);
  }
  return counts;
}

describe('round_robin', () => {
  it('spreads evenly: after any number of calls, counts differ by at most one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 60 }),
        (n, count, calls) => {
          const agents = Array.from({ length: n }, (_, i) => roomy(`agent-${i}`));
          const counts = [...tally(roundRobin, agents, calls, { count, priority: 'normal' }).values()];
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('keeps rotating past an agent that left', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((id) => roomy(id));
    const first = place(one, [a!, b!, c!], roundRobin);
    expect(first.assigned.map((x) => x.id)).toEqual(['a']);
    const second = place(one, [a!, c!], roundRobin, DEFAULT_LIMITS, first.state);
    expect(second.assigned.map((x) => x.id)).toEqual(['c']);
  });
});

describe('least_loaded', () => {
  it('prefers the smallest share of concurrency in use, then the lowest load', () => {
    const agents = [
      makeCandidate({ id: 'half', inFlight: 2, maxConcurrent: 4, load: 0 }),
      makeCandidate({ id: 'quarter-busy', inFlight: 1, maxConcurrent: 4, load: 0.7 }),
      makeCandidate({ id: 'quarter-idle', inFlight: 1, maxConcurrent: 4, load: 0.2 }),
    ];
    const result = place({ count: 3, priority: 'normal' }, agents, leastLoaded);
    expect(result.assigned.map((a) => a.id)).toEqual(['quarter-idle', 'quarter-busy', 'half']);
  });
});

describe('capability_match', () => {
  it('gives the job to the most specialised agent that can do it', () => {
    const agents = [
      makeCandidate({ id: 'generalist', capabilities: ['scan', 'patch', 'isolate'] }),
      makeCandidate({ id: 'specialist', capabilities: ['scan'], inFlight: 0, maxConcurrent: 2, load: 0.6 }),
      makeCandidate({ id: 'other', capabilities: ['patch'] }),
    ];
    const result = place({ count: 2, capability: 'scan', priority: 'normal' }, agents, capabilityMatch);
    expect(result.assigned.map((a) => a.id)).toEqual(['specialist', 'generalist']);
  });
});

describe('weighted', () => {
  it('assigns exactly in proportion to capacity weights over whole cycles', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 5 }),
        (weights, cycles) => {
          const agents = weights.map((w, i) => roomy(`agent-${i}`, { capacityWeight: w }));
          const total = weights.reduce((s, w) => s + w, 0);
          const counts = tally(weighted, agents, total * cycles);
          weights.forEach((w, i) => expect(counts.get(`agent-${i}`)).toBe(w * cycles));
        },
      ),
    );
  });

  it('reads the weight from the corral.io/capacity label and interleaves', () => {
    const big = roomy('big', { labels: { 'corral.io/capacity': '3' } });
    const small = roomy('small');
    let state = weighted.initialState;
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const result = place(one, [big, small], weighted, DEFAULT_LIMITS, state);
      state = result.state;
      order.push(...result.assigned.map((a) => a.id));
    }
    expect(order).toEqual(['big', 'big', 'small', 'big']);
  });
});

describe('adaptive', () => {
  it('recordOutcome keeps averages between old value and new sample, and counts samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.boolean()), { maxLength: 50 }),
        (outcomes) => {
          let stats: AgentStats = NO_STATS;
          for (const [latency, failed] of outcomes) {
            const next = recordOutcome(stats, latency, failed);
            expect(next.samples).toBe(stats.samples + 1);
            expect(next.failureEwma).toBeGreaterThanOrEqual(0);
            expect(next.failureEwma).toBeLessThanOrEqual(1);
            if (stats.samples > 0) {
              expect(next.latencyEwmaMs).toBeGreaterThanOrEqual(
                Math.min(stats.latencyEwmaMs, latency) - 1e-9,
              );
              expect(next.latencyEwmaMs).toBeLessThanOrEqual(Math.max(stats.latencyEwmaMs, latency) + 1e-9);
            }
            stats = next;
          }
        },
      ),
    );
  });

  it('tries new agents first', () => {
    const tried = makeCandidate({ id: 'tried', stats: { latencyEwmaMs: 1, failureEwma: 0, samples: 50 } });
    const fresh = makeCandidate({ id: 'fresh' });
    const strategy = createAdaptiveStrategy({ random: () => 0.99 });
    expect(place(one, [tried, fresh], strategy).assigned.map((a) => a.id)).toEqual(['fresh']);
  });

  it('prefers the fast reliable agent once outcomes are recorded, yet keeps exploring the others', () => {
    // Each agent's true behaviour: latency in ms, and whether call i fails.
    const truth: Record<string, (i: number) => [number, boolean]> = {
      fast: () => [20, false],
      slow: () => [400, false],
      flaky: (i) => [25, i % 2 === 0],
    };
    let agents = Object.keys(truth).map((id) => roomy(id));
    const strategy = createAdaptiveStrategy({ random: seededRandom(42), explorationRate: 0.1 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      const [chosen] = place(one, agents, strategy).assigned;
      if (chosen === undefined) throw new Error('nothing placed');
      counts.set(chosen.id, (counts.get(chosen.id) ?? 0) + 1);
      const [latency, failed] = truth[chosen.id]!(i);
      agents = agents.map((a) =>
        a.id === chosen.id ? { ...a, stats: recordOutcome(a.stats, latency, failed) } : a,
      );
    }
    expect(counts.get('fast')).toBeGreaterThan(800);
    // Beyond the three warm-up tries, so these came from exploration.
    expect(counts.get('slow')).toBeGreaterThan(3);
    expect(counts.get('flaky')).toBeGreaterThan(3);
  });
});

describe('locality', () => {
  const local = makeCandidate({
    id: 'local',
    ipAddress: '10.0.1.20',
    inFlight: 3,
    maxConcurrent: 4,
    load: 0.7,
  });
  const remote = makeCandidate({ id: 'remote', ipAddress: '10.0.2.20' });
  const labelled = makeCandidate({
    id: 'labelled',
    labels: { site: 'paris', 'corral.io/network-segment': 'dmz' },
  });
  const agents = [remote, labelled, local];
  const first = (request: PlacementRequest) => place(request, agents, locality).assigned[0]?.id;

  it('prefers an agent in the target /24, even a busier one', () => {
    expect(first({ ...one, locality: { kind: 'ip', ip: '10.0.1.99' } })).toBe('local');
  });

  it('prefers an agent inside the target CIDR, by label, or by segment', () => {
    expect(first({ ...one, locality: { kind: 'cidr', cidr: '10.0.2.0/23' } })).toBe('remote');
    expect(first({ ...one, locality: { kind: 'label', key: 'site', value: 'paris' } })).toBe('labelled');
    expect(first({ ...one, locality: { kind: 'segment', segment: 'dmz' } })).toBe('labelled');
  });

  it('falls back to least loaded when no agent is local', () => {
    const request: PlacementRequest = {
      count: 3,
      priority: 'normal',
      locality: { kind: 'ip', ip: '172.16.0.1' },
    };
    expect(place(request, agents, locality).assigned).toEqual(place(request, agents, leastLoaded).assigned);
  });

  it('puts an eligible local agent first whenever there is one', () => {
    fc.assert(
      fc.property(requestArb, candidatesArb, (request, candidates) => {
        const withHint: PlacementRequest = {
          ...request,
          count: Math.max(1, request.count),
          locality: { kind: 'cidr', cidr: '10.0.0.0/24' },
        };
        const result = place(withHint, candidates, locality);
        const isLocal = (c: AgentCandidate) => c.ipAddress?.startsWith('10.0.0.') === true;
        // place keeps the first candidate per id, so judge eligibility on those.
        const firstPerId = [...new Map([...candidates].reverse().map((c) => [c.id, c])).values()];
        const eligibleLocal = firstPerId.some((c) => isLocal(c) && isEligible(c, withHint, DEFAULT_LIMITS));
        const firstAssigned = result.assigned[0];
        if (eligibleLocal) expect(firstAssigned !== undefined && isLocal(firstAssigned)).toBe(true);
      }),
    );
  });
});
