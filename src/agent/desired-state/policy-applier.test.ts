// PolicyApplier: sets that apply, sets refused naming the policy (bad JSON,
// not an object, unknown mode, blocking without the capability), and the
// lenient reading of rules documents.
import { describe, expect, it } from 'vitest';
import type { AgentPolicy__Output } from '../../gen/proto/corral/agent/v1/AgentPolicy.js';
import { PolicyApplier } from './policy-applier.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

const policy = (overrides: Partial<AgentPolicy__Output> & { rules?: unknown } = {}): AgentPolicy__Output => {
  const { rules, ...rest } = overrides;
  return {
    policyId: 'pol-1',
    version: 1,
    name: 'edge rules',
    mode: 'enforce',
    rulesJson: JSON.stringify(rules ?? { defaultAction: 'allow', rules: [{ id: 'r1', action: 'log' }] }),
    ...rest,
  };
};

const applier = (capabilities: string[] = ['block']) =>
  new PolicyApplier({ capabilities, clock: { now: () => 7 } });

const blockRule = {
  defaultAction: 'allow',
  rules: [{ id: 'r1', match: { paths: ['/admin'] }, action: 'block' }],
};

describe('PolicyApplier', () => {
  it('applies a set and keeps ids, versions, modes and rule counts', () => {
    const subject = applier();
    const result = subject.apply({
      hash: HASH_A,
      policies: [policy({ rules: blockRule }), policy({ policyId: 'pol-2', version: 3, mode: 'monitor' })],
    });
    expect(result).toEqual({ hash: HASH_A, applied: true, error: '', unchanged: false });
    expect(subject.running).toEqual({
      hash: HASH_A,
      appliedAtMs: 7,
      policies: [
        { policyId: 'pol-1', version: 1, name: 'edge rules', mode: 'enforce', ruleCount: 1 },
        { policyId: 'pol-2', version: 3, name: 'edge rules', mode: 'monitor', ruleCount: 1 },
      ],
    });
  });

  it('applies an empty set', () => {
    const subject = applier([]);
    expect(subject.apply({ hash: HASH_A, policies: [] }).applied).toBe(true);
    expect(subject.running?.policies).toEqual([]);
  });

  it('refuses to enforce blocking rules without the block capability, naming the policy', () => {
    const subject = applier(['scan']);
    const rateLimited = {
      rules: [{ id: 'r', action: 'rate_limit', rateLimit: { requests: 1, perSeconds: 1 } }],
    };
    const result = subject.apply({
      hash: HASH_A,
      policies: [
        policy({ policyId: 'pol-block', rules: blockRule }),
        policy({ policyId: 'pol-rl', rules: rateLimited }),
      ],
    });
    expect(result.applied).toBe(false);
    expect(result.error).toBe(
      'policy set refused: ' +
        'policy "pol-block": enforce mode uses block, which needs the capability "block" this agent does not have (monitor mode would only observe); ' +
        'policy "pol-rl": enforce mode uses rate_limit, which needs the capability "block" this agent does not have (monitor mode would only observe)',
    );
    expect(subject.running).toBeUndefined();
  });

  it('counts a blocking default action as blocking', () => {
    const result = applier([]).apply({
      hash: HASH_A,
      policies: [policy({ rules: { defaultAction: 'block', rules: [] } })],
    });
    expect(result.error).toMatch(/policy "pol-1": enforce mode uses block/);
  });

  it('lets an agent without the capability monitor blocking rules, or enforce non-blocking ones', () => {
    const subject = applier([]);
    expect(
      subject.apply({
        hash: HASH_A,
        policies: [policy({ mode: 'monitor', rules: blockRule }), policy({ policyId: 'p2' })],
      }).applied,
    ).toBe(true);
  });

  it('refuses rules that are not JSON, not an object, or a mode it does not know', () => {
    const subject = applier();
    const { error } = subject.apply({
      hash: HASH_A,
      policies: [
        policy({ policyId: 'bad-json', rulesJson: '{"rules": [' }),
        policy({ policyId: 'array', rulesJson: '[]' }),
        policy({ policyId: 'null', rulesJson: 'null' }),
        policy({ policyId: 'strict', mode: 'strict' }),
      ],
    });
    expect(error).toMatch(/policy "bad-json": rules_json is not valid JSON: /);
    expect(error).toContain('policy "array": rules_json must be a JSON object');
    expect(error).toContain('policy "null": rules_json must be a JSON object');
    expect(error).toContain('policy "strict": mode "strict" is not one this agent runs (enforce, monitor)');
  });

  it('reads rules documents leniently: unknown fields, odd rules and no rules at all are fine', () => {
    const subject = applier([]);
    const odd = {
      rules: ['text', null, 42, { action: 7 }, { id: 'x', action: 'challenge' }],
      futureField: {},
    };
    const result = subject.apply({
      hash: HASH_A,
      policies: [policy({ rules: odd }), policy({ policyId: 'p2', rules: {} })],
    });
    expect(result.applied).toBe(true);
    expect(subject.running?.policies.map((p) => p.ruleCount)).toEqual([5, 0]);
  });

  it('keeps the previous set after a refusal, and reports the set it runs again without re-applying', () => {
    const subject = applier(['observe']);
    subject.apply({ hash: HASH_A, policies: [policy()] });
    expect(subject.apply({ hash: HASH_B, policies: [policy({ rules: blockRule })] }).applied).toBe(false);
    expect(subject.running?.hash).toBe(HASH_A);
    const before = subject.running;
    expect(subject.apply({ hash: HASH_A, policies: [policy()] })).toMatchObject({
      applied: true,
      unchanged: true,
    });
    expect(subject.running).toBe(before);
  });
});
