// Test data for the scheduling tests: fast-check arbitraries for candidates and
// requests drawn from small pools (so that capabilities, labels and networks
// collide often), and a seeded random source.

import fc from 'fast-check';
import { makeCandidate, type AgentCandidate } from './agent-candidate.js';
import { COMMAND_PRIORITY_VALUES } from '../commands/command-priority.js';
import type { LocalityHint, PlacementRequest, RandomSource } from './strategy.js';

export const CAPABILITIES = ['scan', 'collect', 'patch', 'isolate'] as const;
const ZONES = ['a', 'b'] as const;
const SEGMENTS = ['dmz', 'core'] as const;
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.1.7', '192.168.1.5', 'fe80::1'] as const;
/** Around the default MAX_AGENT_LOAD of 0.8, plus a NaN from a broken heartbeat. */
const LOADS = [0, 0.1, 0.5, 0.8, 0.81, 1, Number.NaN] as const;

export const candidateArb: fc.Arbitrary<AgentCandidate> = fc
  .record({
    id: fc.constantFrom('a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'),
    capabilities: fc.subarray([...CAPABILITIES]),
    zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
    segment: fc.option(fc.constantFrom(...SEGMENTS), { nil: undefined }),
    ipAddress: fc.option(fc.constantFrom(...IPS), { nil: undefined }),
    connected: fc.boolean(),
    inFlight: fc.integer({ min: 0, max: 4 }),
    maxConcurrent: fc.integer({ min: 0, max: 4 }),
    load: fc.constantFrom(...LOADS),
    capacityWeight: fc.constantFrom(0, 0.5, 1, 2, 5),
    latencyEwmaMs: fc.integer({ min: 0, max: 2_000 }),
    failureEwma: fc.double({ min: 0, max: 1, noNaN: true }),
    samples: fc.integer({ min: 0, max: 10 }),
  })
  .map((r) =>
    makeCandidate({
      id: r.id,
      capabilities: r.capabilities,
      labels: r.zone === undefined ? {} : { zone: r.zone },
      ...(r.ipAddress === undefined ? {} : { ipAddress: r.ipAddress }),
      ...(r.segment === undefined ? {} : { segment: r.segment }),
      connected: r.connected,
      inFlight: r.inFlight,
      maxConcurrent: r.maxConcurrent,
      load: r.load,
      capacityWeight: r.capacityWeight,
      stats: { latencyEwmaMs: r.latencyEwmaMs, failureEwma: r.failureEwma, samples: r.samples },
    }),
  );

/** Up to ten candidates; ids repeat sometimes, to exercise de-duplication. */
export const candidatesArb = fc.array(candidateArb, { maxLength: 12 });

const localityArb: fc.Arbitrary<LocalityHint> = fc.oneof(
  fc.constantFrom('10.0.0.9', '10.0.1.1', '172.16.0.1').map((ip) => ({ kind: 'ip' as const, ip })),
  fc
    .constantFrom('10.0.0.0/8', '10.0.1.0/24', '192.168.0.0/16')
    .map((cidr) => ({ kind: 'cidr' as const, cidr })),
  fc.constantFrom(...ZONES).map((value) => ({ kind: 'label' as const, key: 'zone', value })),
  fc.constantFrom(...SEGMENTS).map((segment) => ({ kind: 'segment' as const, segment })),
);

export const requestArb: fc.Arbitrary<PlacementRequest> = fc
  .record({
    count: fc.integer({ min: 0, max: 8 }),
    capability: fc.option(fc.constantFrom(...CAPABILITIES), { nil: undefined }),
    zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
    locality: fc.option(localityArb, { nil: undefined }),
    priority: fc.constantFrom(...COMMAND_PRIORITY_VALUES),
  })
  .map((r) => ({
    count: r.count,
    priority: r.priority,
    ...(r.capability === undefined ? {} : { capability: r.capability }),
    ...(r.zone === undefined ? {} : { labels: { zone: r.zone } }),
    ...(r.locality === undefined ? {} : { locality: r.locality }),
  }));

/** mulberry32: a small seeded generator, good enough for deterministic tests. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
