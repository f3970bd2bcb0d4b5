import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import { makeCandidate, type AgentCandidate } from './agent-candidate.js';
import { DEFAULT_LIMITS, isEligible } from './eligibility.js';
import { candidatesArb, requestArb, seededRandom } from './scheduling.fixtures.js';
import { place, validatePlacementRequest } from './scheduler-core.js';
import type { BalancingStrategy, PlacementRequest } from './strategy.js';
import { createStrategyRegistry } from './strategy-registry.js';

const registry = createStrategyRegistry({ random: seededRandom(7) });

/** A custom strategy that misbehaves in every way it can: `place` must not let any of it through. */
const hostile: BalancingStrategy<undefined> = {
  name: 'hostile',
  initialState: undefined,
  choose: (_request, eligible, state) => ({
    ranked: [
      makeCandidate({ id: 'ghost', capabilities: ['scan', 'collect', 'patch', 'isolate'] }),
      ...eligible.map((agent) => ({ ...agent, inFlight: -100, connected: true })),
      ...eligible,
      ...eligible,
    ],
    state,
  }),
};

const strategies: { name: string; strategy: BalancingStrategy<unknown>; complete: boolean }[] = [
  ...registry.names().map((name) => ({ name, strategy: registry.get(name), complete: true })),
  { name: 'hostile', strategy: hostile, complete: false },
];

const firstById = (candidates: readonly AgentCandidate[]) => {
  const map = new Map<string, AgentCandidate>();
  for (const c of candidates) if (!map.has(c.id)) map.set(c.id, c);
  return map;
};

describe.each(strategies)('place with $name', ({ strategy, complete }) => {
  it('assigns only eligible agents, each once, at most count, inside their concurrency limit', () => {
    fc.assert(
      fc.property(requestArb, candidatesArb, (request, candidates) => {
        const before = firstById(candidates);
        const result = place(request, candidates, strategy, DEFAULT_LIMITS);
        const ids = result.assigned.map((a) => a.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBeLessThanOrEqual(request.count);
        expect(result.shortBy).toBe(request.count - ids.length);
        for (const agent of result.assigned) {
          const original = before.get(agent.id);
          expect(original).toBeDefined();
          if (original === undefined) continue;
          expect(original.connected).toBe(true);
          if (request.capability !== undefined)
            expect(original.capabilities.has(request.capability)).toBe(true);
          for (const [key, value] of Object.entries(request.labels ?? {}))
            expect(original.labels[key]).toBe(value);
          expect(original.load).toBeLessThanOrEqual(DEFAULT_LIMITS.maxAgentLoad);
          expect(agent.inFlight).toBe(original.inFlight + 1);
          expect(agent.inFlight).toBeLessThanOrEqual(agent.maxConcurrent);
        }
      }),
    );
  });

  it('returns every candidate once, only the assigned ones changed, and leaves its input alone', () => {
    fc.assert(
      fc.property(requestArb, candidatesArb, (request, candidates) => {
        const snapshot = candidates.map((c) => ({ ...c }));
        const result = place(request, candidates, strategy, DEFAULT_LIMITS);
        const before = firstById(candidates);
        expect(result.candidates.map((c) => c.id)).toEqual([...before.keys()]);
        const assigned = new Set(result.assigned.map((a) => a.id));
        for (const c of result.candidates) if (!assigned.has(c.id)) expect(c).toBe(before.get(c.id));
        expect(candidates.map((c) => ({ ...c }))).toEqual(snapshot);
      }),
    );
  });

  if (complete)
    it('assigns as many as it can: min(count, eligible agents)', () => {
      fc.assert(
        fc.property(requestArb, candidatesArb, (request, candidates) => {
          const eligible = [...firstById(candidates).values()].filter((c) =>
            isEligible(c, request, DEFAULT_LIMITS),
          );
          const result = place(request, candidates, strategy, DEFAULT_LIMITS);
          expect(result.assigned.length).toBe(Math.min(request.count, eligible.length));
        }),
      );
    });

  it('never overfills an agent over a sequence of placements that feed back state and inFlight', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { maxLength: 15 }), candidatesArb, (requests, initial) => {
        let candidates: readonly AgentCandidate[] = initial;
        let state = strategy.initialState;
        for (const request of requests) {
          const result = place(request, candidates, strategy, DEFAULT_LIMITS, state);
          ({ candidates, state } = result);
          for (const agent of result.assigned)
            expect(agent.inFlight).toBeLessThanOrEqual(agent.maxConcurrent);
        }
      }),
    );
  });
});

describe('validatePlacementRequest', () => {
  const valid: PlacementRequest = { count: 1, priority: 'normal' };

  it('accepts a plain request', () => {
    expect(() => validatePlacementRequest(valid)).not.toThrow();
  });

  it.each([
    [{ ...valid, count: -1 }, 'count'],
    [{ ...valid, count: 1.5 }, 'count'],
    [{ ...valid, priority: 'urgent' as never }, 'priority'],
    [{ ...valid, locality: { kind: 'ip' as const, ip: '10.0.0' } }, 'locality.ip'],
    [{ ...valid, locality: { kind: 'cidr' as const, cidr: '10.0.0.0/33' } }, 'locality.cidr'],
    [{ ...valid, locality: { kind: 'label' as const, key: '', value: 'x' } }, 'locality.key'],
  ])('rejects %o at %s', (request, field) => {
    let caught: unknown;
    try {
      validatePlacementRequest(request);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CorralError);
    expect((caught as CorralError).code).toBe(ErrorCode.InvalidArgument);
    expect((caught as CorralError).violations.map((v) => v.field)).toContain(field);
  });
});
