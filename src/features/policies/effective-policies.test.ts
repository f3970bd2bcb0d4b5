import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../shared/canonical-json.js';
import { effectivePolicySet, policySetHash } from './effective-policies.js';
import type { Policy } from './policy.js';
import type { RulesDocument } from './policy-rules.js';

const policy = (id: string, version = 1, overrides: Partial<Policy> = {}): Policy => ({
  id,
  name: `policy ${id}`,
  description: '',
  mode: 'enforce',
  document: { defaultAction: 'allow', rules: [{ id: 'r', match: { methods: ['GET'] }, action: 'log' }] },
  version,
  createdAt: 0,
  createdBy: 'x',
  updatedAt: 0,
  updatedBy: 'x',
  ...overrides,
});

describe('effectivePolicySet', () => {
  it('lists direct policies first, then groups by precedence, each policy once with every source', () => {
    const groups = [
      { id: 'g-low', priority: -5 },
      { id: 'g-b', priority: 10 },
      { id: 'g-a', priority: 10 },
    ];
    const byGroup = new Map([
      ['g-low', [policy('P1'), policy('P5')]],
      ['g-a', [policy('P4'), policy('P2')]],
      ['g-b', [policy('P3'), policy('P2')]],
    ]);
    const set = effectivePolicySet('a1', [policy('P9'), policy('P2')], groups, byGroup);
    expect(set.policies.map((p) => [p.policyId, p.via.map((v) => `${v.kind}:${v.id}`)])).toEqual([
      ['P2', ['agent:a1', 'group:g-a', 'group:g-b']],
      ['P9', ['agent:a1']],
      ['P4', ['group:g-a']],
      ['P3', ['group:g-b']],
      ['P1', ['group:g-low']],
      ['P5', ['group:g-low']],
    ]);
    expect(set.policies[0]).toMatchObject({ version: 1, name: 'policy P2', mode: 'enforce' });
    expect(set.policies[0]?.rules).toEqual(policy('P2').document);
  });

  it('gives the same set and hash whatever order the inputs come in', () => {
    const groups = [
      { id: 'g1', priority: 1 },
      { id: 'g2', priority: 2 },
    ];
    const byGroup = new Map([
      ['g1', [policy('P1'), policy('P3')]],
      ['g2', [policy('P2')]],
    ]);
    const reordered = new Map([
      ['g2', [policy('P2')]],
      ['g1', [policy('P3'), policy('P1')]],
    ]);
    const a = effectivePolicySet('a1', [policy('P7'), policy('P6')], groups, byGroup);
    const b = effectivePolicySet('a1', [policy('P6'), policy('P7')], [...groups].reverse(), reordered);
    expect(b).toEqual(a);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes [policyId, version, mode, rules] entries in order, and nothing else', () => {
    const set = effectivePolicySet('a1', [policy('P1'), policy('P2', 3, { mode: 'monitor' })], [], new Map());
    expect(set.hash).toBe(
      contentHash([
        ['P1', 1, 'enforce', policy('P1').document],
        ['P2', 3, 'monitor', policy('P2').document],
      ]),
    );
    const renamed = effectivePolicySet(
      'a1',
      [policy('P1', 1, { name: 'x' }), policy('P2', 3, { mode: 'monitor' })],
      [],
      new Map(),
    );
    expect(renamed.hash).toBe(set.hash);
    const bumped = effectivePolicySet(
      'a1',
      [policy('P1', 2), policy('P2', 3, { mode: 'monitor' })],
      [],
      new Map(),
    );
    expect(bumped.hash).not.toBe(set.hash);
    const viaGroup = effectivePolicySet(
      'other',
      [],
      [{ id: 'g', priority: 0 }],
      new Map([['g', [policy('P1'), policy('P2', 3, { mode: 'monitor' })]]]),
    );
    expect(viaGroup.hash).toBe(set.hash);
    expect(effectivePolicySet('a1', [], [], new Map())).toEqual({ hash: contentHash([]), policies: [] });
  });

  it('reuses a hash computed for the same id@version list', () => {
    const hashes = new Map<string, string>();
    const first = effectivePolicySet('a1', [policy('P1')], [], new Map(), hashes);
    expect([...hashes.entries()]).toEqual([['P1@1', first.hash]]);
    hashes.set('P1@1', 'cached');
    expect(effectivePolicySet('a2', [policy('P1')], [], new Map(), hashes).hash).toBe('cached');
  });
});

/** A copy of a JSON value with every object's keys in a shuffled order. */
function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => shuffleKeys(item, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const rotated = entries.map((_, i) => entries[(i + seed) % entries.length] as [string, unknown]);
  return Object.fromEntries(
    (seed % 2 ? rotated.reverse() : rotated).map(([k, v]) => [k, shuffleKeys(v, seed + 1)]),
  );
}

const ruleArbitrary = fc.record(
  {
    id: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/),
    description: fc.string({ maxLength: 20 }),
    priority: fc.integer({ min: 0, max: 1000 }),
    match: fc.record(
      {
        cidrs: fc.array(
          fc.ipV4().map((ip) => `${ip}/32`),
          { minLength: 1, maxLength: 4 },
        ),
        methods: fc.subarray(['GET', 'POST', 'PUT'], { minLength: 1 }),
        paths: fc.array(fc.constantFrom('/admin/**', '/a/*', '^/x[0-9]+$'), { minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: ['cidrs'] },
    ),
    action: fc.constantFrom('block', 'allow', 'log'),
  },
  { requiredKeys: ['id', 'match', 'action'] },
);
const documentArbitrary = fc.record({
  defaultAction: fc.constantFrom('allow', 'block', 'log'),
  rules: fc.array(ruleArbitrary, { minLength: 1, maxLength: 6 }),
}) as fc.Arbitrary<RulesDocument>;

describe('the policy set hash (property)', () => {
  it('does not depend on the order of keys in the rules documents', () => {
    fc.assert(
      fc.property(documentArbitrary, fc.nat(50), (document, seed) => {
        const entry = { policyId: 'P1', version: 4, mode: 'enforce' as const };
        const shuffled = shuffleKeys(document, seed) as RulesDocument;
        expect(policySetHash([{ ...entry, rules: shuffled }])).toBe(
          policySetHash([{ ...entry, rules: document }]),
        );
      }),
    );
  });

  it('changes with any change to a rule', () => {
    const mutations: ((rule: Record<string, unknown>) => void)[] = [
      (rule) => void (rule.action = rule.action === 'block' ? 'allow' : 'block'),
      (rule) => void (rule.priority = ((rule.priority as number | undefined) ?? -1) + 1),
      (rule) => void (rule.id = `${String(rule.id)}x`),
      (rule) => void (rule.match as { cidrs: string[] }).cidrs.push('192.0.2.0/24'),
      (rule) => void (rule.description = `${String(rule.description ?? '')}!`),
    ];
    fc.assert(
      fc.property(documentArbitrary, fc.nat(), fc.nat(mutations.length - 1), (document, pick, how) => {
        const changed = structuredClone(document);
        const rule = changed.rules[pick % changed.rules.length] as unknown as Record<string, unknown>;
        mutations[how]?.(rule);
        const entry = { policyId: 'P1', version: 4, mode: 'enforce' as const };
        expect(policySetHash([{ ...entry, rules: changed }])).not.toBe(
          policySetHash([{ ...entry, rules: document }]),
        );
      }),
    );
  });
});
