// Assignments and effective sets through PolicyService over real SQLite, with a
// fake groups feature (plain maps): BulkAssignPolicy is all-or-nothing with a
// result per target, unassign, forgetTarget, GetAgentPolicies, effective sets
// (order, hash, batching) and the change notices they raise.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import { TimeOrderedIds } from '../../shared/ids.js';
import type { RequestContext } from '../audit/audited.js';
import type { EventType } from '../events/event.js';
import { EventFactory } from '../events/event-factory.js';
import type { GroupRef } from './effective-policies.js';
import type { PolicyGroups } from './effective-policy-reads.js';
import type { PoliciesChange } from './policy-changes.js';
import { EXAMPLE_BODY } from './policy.fixtures.js';
import { PolicyService } from './policy-service.js';

let t: TestServices;
let clock: FakeClock;
let policies: PolicyService;
let changes: PoliciesChange[];
const memberships = new Map<string, GroupRef[]>();
const existingGroups = new Set<string>();
const groups: PolicyGroups = {
  groupsOf: async (agentId) => memberships.get(agentId) ?? [],
  groupsOfMany: async (agentIds) => new Map(agentIds.map((id) => [id, memberships.get(id) ?? []])),
  groupExists: async (groupId) => existingGroups.has(groupId),
};

const operator: RequestContext = {
  principal: { actor: 'api_key:op', name: 'op', role: 'operator' },
  requestId: 'r1',
};

beforeEach(async () => {
  clock = new FakeClock();
  t = await openTestServices({ clock });
  const ids = new TimeOrderedIds(clock);
  const events = new EventFactory(ids, clock);
  policies = new PolicyService({
    db: t.backends.db,
    auditor: t.services.auditor,
    events,
    ids,
    clock,
    groups,
  });
  changes = [];
  policies.onPoliciesChanged((change) => changes.push(change));
  memberships.clear();
  existingGroups.clear();
  for (const id of ['a1', 'a2', 'a3']) await enrollTestAgent(t, id);
  existingGroups.add('g-web').add('g-all');
});
afterEach(() => t.close());

const create = (name: string, overrides: Record<string, unknown> = {}) =>
  policies.create(operator, { ...structuredClone(EXAMPLE_BODY), name, ...overrides });

async function failure(promise: Promise<unknown>): Promise<CorralError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('expected a CorralError');
}
const eventsOf = async (type: string) =>
  (await t.services.events.list({ types: [type as EventType] }, { limit: 50, order: 'asc' })).items;
const auditOf = async (action: string) =>
  (await t.services.audit.list({ action }, { limit: 50 })).items.map((a) => [
    a.outcome,
    a.errorCode,
    a.details,
  ]);

describe('BulkAssignPolicy', () => {
  it('assigns agents and groups at once, reports each target, and tells listeners of the new ones', async () => {
    const policy = await create('p');
    const first = await policies.assign(operator, policy.id, { agentIds: ['a1', 'a2'], groupIds: ['g-web'] });
    expect(first).toEqual({
      policyId: policy.id,
      version: 1,
      results: [
        { target: { kind: 'agent', id: 'a1' }, outcome: 'assigned' },
        { target: { kind: 'agent', id: 'a2' }, outcome: 'assigned' },
        { target: { kind: 'group', id: 'g-web' }, outcome: 'assigned' },
      ],
    });
    const again = await policies.assign(operator, policy.id, { agentIds: ['a2', 'a3', 'a3'] });
    expect(again.results.map((r) => [r.target.id, r.outcome])).toEqual([
      ['a2', 'already_assigned'],
      ['a3', 'assigned'],
    ]);
    expect(
      (await eventsOf('policy_assigned')).map((e) => [e.subject.id, e.data.targetKind, e.data.targetId]),
    ).toEqual([
      [policy.id, 'agent', 'a1'],
      [policy.id, 'agent', 'a2'],
      [policy.id, 'group', 'g-web'],
      [policy.id, 'agent', 'a3'],
    ]);
    expect(await auditOf('policy.assign')).toEqual([
      ['success', null, { agents: 2, groups: 1, assigned: 3 }],
      ['success', null, { agents: 2, groups: 0, assigned: 1 }],
    ]);
    expect(changes).toEqual([{ agentIds: ['a1', 'a2'], groupIds: ['g-web'] }, { agentIds: ['a3'] }]);
  });

  it('refuses the whole request when any target is unknown or decommissioned, naming each, storing nothing', async () => {
    const policy = await create('p');
    await t.services.agents.unregister(t.admin, 'a3');
    const error = await failure(
      policies.assign(operator, policy.id, {
        agentIds: ['a1', 'ghost', 'a3'],
        groupIds: ['g-web', 'g-none'],
      }),
    );
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.violations.map((v) => v.field)).toEqual(['agentIds.1', 'agentIds.2', 'groupIds.1']);
    expect(await t.backends.db.policies.assignmentsOf(policy.id)).toEqual([]);
    expect(await eventsOf('policy_assigned')).toEqual([]);
    expect(await auditOf('policy.assign')).toEqual([['failure', 'invalid_argument', {}]]);
    expect(changes).toEqual([]);
  });

  it.each([
    ['no targets', {}, ['(root)']],
    ['empty lists', { agentIds: [], groupIds: [] }, ['(root)']],
    ['a bad agent id', { agentIds: ['ok', 'bad id'] }, ['agentIds.1']],
    ['an unknown member', { agents: ['a1'] }, ['agents']],
  ])('refuses %s naming the field, audited', async (_what, input, fields) => {
    const policy = await create('p');
    expect(
      (await failure(policies.assign(operator, policy.id, input))).violations.map((v) => v.field),
    ).toEqual(fields);
    expect((await auditOf('policy.assign')).map((a) => a[1])).toEqual(['invalid_argument']);
  });

  it('refuses an unknown policy with not_found', async () => {
    expect((await failure(policies.assign(operator, 'nope', { agentIds: ['a1'] }))).code).toBe(
      ErrorCode.NotFound,
    );
  });
});

describe('unassign and forgetTarget', () => {
  it('unassigns one target with an event and a notice; a second time is not_found', async () => {
    const policy = await create('p');
    await policies.assign(operator, policy.id, { agentIds: ['a1'], groupIds: ['g-web'] });
    changes.length = 0;
    await policies.unassign(operator, policy.id, { kind: 'group', id: 'g-web' });
    expect((await failure(policies.unassign(operator, policy.id, { kind: 'group', id: 'g-web' }))).code).toBe(
      ErrorCode.NotFound,
    );
    expect((await failure(policies.unassign(operator, 'nope', { kind: 'agent', id: 'a1' }))).code).toBe(
      ErrorCode.NotFound,
    );
    expect((await eventsOf('policy_unassigned')).map((e) => [e.data.targetId, e.data.cause])).toEqual([
      ['g-web', 'unassigned'],
    ]);
    expect(changes).toEqual([{ groupIds: ['g-web'] }]);
    expect((await auditOf('policy.unassign')).map((a) => a[1])).toEqual([null, 'not_found', 'not_found']);
  });

  it('drops every assignment of a removed group, with events', async () => {
    const [p1, p2] = [await create('p1'), await create('p2')];
    for (const p of [p1, p2])
      await policies.assign(operator, p.id, { groupIds: ['g-web'], agentIds: ['a1'] });
    changes.length = 0;
    await policies.forgetTarget({ kind: 'group', id: 'g-web' });
    expect((await eventsOf('policy_unassigned')).map((e) => [e.subject.id, e.data.cause, e.actor])).toEqual([
      [p1.id, 'target_removed', 'system'],
      [p2.id, 'target_removed', 'system'],
    ]);
    expect(changes).toEqual([{ groupIds: ['g-web'] }]);
    await policies.forgetTarget({ kind: 'group', id: 'g-web' });
    expect(changes).toHaveLength(1);
  });
});

describe('effective policy sets', () => {
  it("merge an agent's own policies with its groups', each once, in the documented order", async () => {
    const [p1, p2, p3] = [await create('p1'), await create('p2'), await create('p3')];
    memberships.set('a1', [
      { id: 'g-web', priority: 10 },
      { id: 'g-all', priority: 0 },
    ]);
    await policies.assign(operator, p3.id, { agentIds: ['a1'], groupIds: ['g-all'] });
    await policies.assign(operator, p2.id, { groupIds: ['g-all'] });
    await policies.assign(operator, p1.id, { groupIds: ['g-web'] });
    const set = await policies.effectivePolicies('a1');
    expect(set.policies.map((p) => [p.name, p.via.map((v) => v.id)])).toEqual([
      ['p3', ['a1', 'g-all']],
      ['p1', ['g-web']],
      ['p2', ['g-all']],
    ]);
    expect((await policies.effectivePolicies('a2')).policies).toEqual([]);
    const direct = await policies.agentPolicies('a1');
    expect(direct.direct.map((d) => [d.policy.name, d.assignedBy])).toEqual([['p3', 'api_key:op']]);
    expect(direct.effective).toEqual(set);
    expect((await failure(policies.agentPolicies('ghost'))).code).toBe(ErrorCode.NotFound);
  });

  it('keep their hash until a policy in them changes, and match the batched read', async () => {
    const policy = await create('p');
    memberships.set('a2', [{ id: 'g-web', priority: 1 }]);
    await policies.assign(operator, policy.id, { agentIds: ['a1'], groupIds: ['g-web'] });
    const before = await policies.effectivePolicies('a1');
    expect((await policies.effectivePolicies('a1')).hash).toBe(before.hash);
    const batch = await policies.effectivePoliciesFor(['a1', 'a2', 'a3', 'a1']);
    expect([...batch.keys()]).toEqual(['a1', 'a2', 'a3']);
    expect(batch.get('a1')).toEqual(before);
    expect(batch.get('a2')?.hash).toBe(before.hash);
    expect(batch.get('a3')?.policies).toEqual([]);
    changes.length = 0;
    await policies.update(operator, policy.id, {
      ...structuredClone(EXAMPLE_BODY),
      name: 'p',
      mode: 'monitor',
    });
    const after = await policies.effectivePolicies('a1');
    expect(after.hash).not.toBe(before.hash);
    expect(after.policies[0]).toMatchObject({ version: 2, mode: 'monitor' });
    expect(changes).toEqual([{ agentIds: ['a1'], groupIds: ['g-web'] }]);
  });

  it('are read for many agents with one assignment query per target kind', async () => {
    const policy = await create('p');
    await policies.assign(operator, policy.id, { groupIds: ['g-all'] });
    const agentIds = Array.from({ length: 200 }, (_, i) => `agent-${i}`);
    for (const id of agentIds) memberships.set(id, [{ id: 'g-all', priority: 0 }]);
    const reads = vi.spyOn(t.backends.db.policies, 'policyIdsOf');
    const loads = vi.spyOn(t.backends.db.policies, 'getMany');
    const sets = await policies.effectivePoliciesFor(agentIds);
    expect(reads.mock.calls.map(([kind, ids]) => [kind, ids.length])).toEqual([
      ['agent', 200],
      ['group', 1],
    ]);
    expect(loads).toHaveBeenCalledTimes(1);
    expect(new Set([...sets.values()].map((s) => s.hash)).size).toBe(1);
  });
});
