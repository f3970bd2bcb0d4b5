// Policy compliance end to end in one process: a policy assigned to a group
// reaches the group's connected members over the real stream. In enforce mode
// with a block rule, a member with the `block` capability applies it
// (compliant) while one without it refuses (FAILED, the reason naming the
// policy) and shows non-compliant; switched to monitor mode, both apply it;
// unassigned, both are back on the empty set.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventType } from '../events/event.js';
import { admin, startConvergence, until, type Convergence } from './convergence.fixtures.js';

let c: Convergence;
beforeEach(async () => {
  c = await startConvergence();
});
afterEach(() => c.close());

const policyBody = (mode: 'enforce' | 'monitor') => ({
  name: 'edge-block',
  description: 'known bad ranges',
  mode,
  defaultAction: 'allow',
  rules: [{ id: 'known-bad', match: { cidrs: ['203.0.113.0/24'] }, action: 'block' }],
});

const policyDigest = async (agentId: string) =>
  (await c.corral.services.policies.effectivePolicies(agentId)).hash;

describe('policies converge on a group', () => {
  it('are applied by members that can enforce them, refused by one that cannot, and go when unassigned', async () => {
    const blocker = c.agent('edge-block-1', { labels: { tier: 'edge' }, capabilities: ['block', 'scan'] });
    const scanner = c.agent('edge-scan-1', { labels: { tier: 'edge' }, capabilities: ['scan'] });
    const outsider = c.agent('core-1', { labels: { tier: 'core' }, capabilities: ['block'] });
    const all = [blocker, scanner, outsider];
    await until(() => {
      for (const agent of all) expect(agent.stats.policySetsApplied).toBe(1);
    });
    const empty = blocker.stats.policyHash;
    expect(empty).toBe(await policyDigest('core-1'));

    const edge = await c.corral.services.groups.create(admin, {
      name: 'edge',
      kind: 'dynamic',
      selector: { tier: 'edge' },
    });
    const policy = await c.corral.services.policies.create(admin, policyBody('enforce'));
    const assigned = await c.corral.services.policies.assign(admin, policy.id, { groupIds: [edge.id] });
    expect(assigned.results).toEqual([{ target: { kind: 'group', id: edge.id }, outcome: 'assigned' }]);
    const enforced = await policyDigest('edge-block-1');
    expect(enforced).not.toBe(empty);

    // The member that can block runs it; the one that cannot refuses, naming the policy; the outsider gets nothing.
    await until(() =>
      expect(blocker.stats).toMatchObject({
        policyHash: enforced,
        policies: [{ policyId: policy.id, version: 1, mode: 'enforce', ruleCount: 1 }],
      }),
    );
    await until(() => expect(scanner.stats.policySetsFailed).toBe(1));
    expect(scanner.stats).toMatchObject({ policyHash: empty, policies: [] });
    expect(outsider.stats).toMatchObject({ policyHash: empty, policySetsApplied: 1 });
    await until(async () => {
      expect(await c.stateOf('edge-block-1')).toMatchObject({
        policy: { desiredHash: enforced, appliedHash: enforced, status: 'applied' },
        compliance: 'compliant',
      });
      const refused = await c.stateOf('edge-scan-1');
      expect(refused).toMatchObject({
        policy: { desiredHash: enforced, appliedHash: empty, status: 'failed' },
        compliance: 'non_compliant',
      });
      expect(refused?.policy.error).toContain(`policy ${JSON.stringify(policy.id)}`);
      expect(refused?.policy.error).toContain('"block"');
      expect(refused?.complianceReason).toMatch(/^policy set failed: .*capability "block"/);
    });
    expect(await c.eventsOf('edge-scan-1', [EventType.PolicyFailed])).toContainEqual({
      type: EventType.PolicyFailed,
      data: { hash: enforced, error: expect.stringContaining(policy.id) },
    });
    expect((await c.corral.services.configuration.groupCompliance(edge.id)).byCompliance).toMatchObject({
      compliant: 1,
      non_compliant: 1,
    });

    // Monitor mode only observes: both members apply the new version.
    await c.corral.services.policies.update(admin, policy.id, policyBody('monitor'), 1);
    const monitored = await policyDigest('edge-scan-1');
    expect(monitored).not.toBe(enforced);
    await until(() => {
      for (const agent of [blocker, scanner])
        expect(agent.stats).toMatchObject({
          policyHash: monitored,
          policies: [{ policyId: policy.id, version: 2, mode: 'monitor' }],
        });
    });
    await until(async () => {
      for (const id of ['edge-block-1', 'edge-scan-1'])
        expect(await c.stateOf(id)).toMatchObject({
          policy: { appliedHash: monitored, status: 'applied' },
          compliance: 'compliant',
        });
    });
    expect(await c.eventsOf('edge-scan-1', [EventType.PolicyApplied])).toContainEqual({
      type: EventType.PolicyApplied,
      data: { hash: monitored },
    });

    // Unassigned: the empty set again, everywhere.
    await c.corral.services.policies.unassign(admin, policy.id, { kind: 'group', id: edge.id });
    expect(await policyDigest('edge-scan-1')).toBe(empty);
    await until(() => {
      for (const agent of all) expect(agent.stats).toMatchObject({ policyHash: empty, policies: [] });
    });
    await until(async () =>
      expect((await c.corral.services.configuration.compliance()).byCompliance).toMatchObject({
        compliant: 3,
      }),
    );
    expect(outsider.stats.policySetsApplied).toBe(1);
  });
});
