// PolicyService over real SQLite: create, versions (immutable), update with the
// expected version, delete (refused while assigned, forced), with events and
// audit entries for successes and refusals, and the change hook after commit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import { TimeOrderedIds } from '../../shared/ids.js';
import type { RequestContext } from '../audit/audited.js';
import type { EventType } from '../events/event.js';
import { EventFactory } from '../events/event-factory.js';
import type { PoliciesChange } from './policy-changes.js';
import { EXAMPLE_BODY } from './policy.fixtures.js';
import { PolicyService } from './policy-service.js';

let t: TestServices;
let clock: FakeClock;
let policies: PolicyService;
let changes: PoliciesChange[];

const operator: RequestContext = {
  principal: { actor: 'api_key:op', name: 'op', role: 'operator' },
  requestId: 'r1',
};

beforeEach(async () => {
  clock = new FakeClock();
  t = await openTestServices({ clock });
  policies = t.services.policies;
  changes = [];
  policies.onPoliciesChanged((change) => changes.push(change));
  await enrollTestAgent(t, 'a1');
});
afterEach(() => t.close());

const body = (overrides: Record<string, unknown> = {}) => ({
  ...structuredClone(EXAMPLE_BODY),
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<CorralError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('expected a CorralError');
}
const auditOf = async (action: string) =>
  (await t.services.audit.list({ action }, { limit: 50 })).items.map((a) => [a.outcome, a.errorCode]);
const eventsOf = async (...types: string[]) =>
  (await t.services.events.list({ types: types as EventType[] }, { limit: 50, order: 'asc' })).items;

describe('PolicyService.create', () => {
  it('stores version 1 with its reason, an event and an audit entry', async () => {
    const policy = await policies.create(operator, body({ reason: 'first cut' }));
    expect(policy).toMatchObject({ name: 'edge-web', mode: 'enforce', version: 1, createdBy: 'api_key:op' });
    expect(policy.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(await policies.get(policy.id)).toEqual(policy);
    expect(await policies.getVersion(policy.id, 1)).toMatchObject({
      reason: 'first cut',
      author: 'api_key:op',
    });
    const events = await eventsOf('policy_created');
    expect(events.map((e) => [e.subject, e.data])).toEqual([
      [
        { kind: 'policy', id: policy.id },
        { name: 'edge-web', version: 1, mode: 'enforce', reason: 'first cut' },
      ],
    ]);
    expect(await auditOf('policy.create')).toEqual([['success', null]]);
    expect(changes).toEqual([]);
  });

  it('refuses bad input and a taken name, audited, storing nothing', async () => {
    expect(
      (await failure(policies.create(operator, body({ mode: 'x' })))).violations.map((v) => v.field),
    ).toEqual(['mode']);
    await policies.create(operator, body());
    expect((await failure(policies.create(operator, body()))).code).toBe(ErrorCode.AlreadyExists);
    expect(await auditOf('policy.create')).toEqual([
      ['failure', 'invalid_argument'],
      ['success', null],
      ['failure', 'already_exists'],
    ]);
    expect((await policies.list({}, { limit: 10 })).items).toHaveLength(1);
  });
});

describe('PolicyService.update and versions', () => {
  it('makes each update a new version and keeps every earlier version as it was', async () => {
    const v1 = await policies.create(operator, body());
    clock.advance(1_000);
    const v2 = await policies.update(operator, v1.id, body({ mode: 'monitor', reason: 'dry run' }), 1);
    expect(v2).toMatchObject({
      version: 2,
      mode: 'monitor',
      createdAt: v1.createdAt,
      updatedAt: v1.createdAt + 1_000,
    });
    const v3 = await policies.update(operator, v1.id, body({ name: 'edge', rules: [] }));
    expect(v3).toMatchObject({ version: 3, name: 'edge', document: { rules: [] } });
    expect(await policies.getVersion(v1.id, 1)).toMatchObject({
      mode: 'enforce',
      name: 'edge-web',
      document: v1.document,
    });
    expect(await policies.getVersion(v1.id, 2)).toMatchObject({ mode: 'monitor', reason: 'dry run' });
    const versions = await policies.listVersions(v1.id, { limit: 10 });
    expect(versions.items.map((v) => [v.version, v.ruleCount])).toEqual([
      [3, 0],
      [2, 5],
      [1, 5],
    ]);
    expect((await eventsOf('policy_updated')).map((e) => e.data.version)).toEqual([2, 3]);
    expect((await failure(policies.getVersion(v1.id, 4))).code).toBe(ErrorCode.NotFound);
    expect((await failure(policies.listVersions('nope', { limit: 1 }))).code).toBe(ErrorCode.NotFound);
  });

  it('refuses an update at a stale version (precondition_failed), audited, adding no version', async () => {
    const policy = await policies.create(operator, body());
    await policies.update(operator, policy.id, body({ description: 'first' }), 1);
    const stale = await failure(policies.update(operator, policy.id, body({ description: 'second' }), 1));
    expect(stale.code).toBe(ErrorCode.PreconditionFailed);
    expect(stale.message).toContain('version 2');
    expect((await policies.get(policy.id)).description).toBe('first');
    expect((await policies.listVersions(policy.id, { limit: 9 })).items).toHaveLength(2);
    expect(await auditOf('policy.update')).toEqual([
      ['success', null],
      ['failure', 'precondition_failed'],
    ]);
    expect((await failure(policies.update(operator, 'nope', body(), 1))).code).toBe(ErrorCode.NotFound);
  });

  it('tells listeners which agents and groups have the policy after an update commits', async () => {
    const policy = await policies.create(operator, body());
    await policies.update(operator, policy.id, body({ description: 'unassigned' }));
    expect(changes).toEqual([]);
    await t.backends.db.policies.assign([
      { policyId: policy.id, target: { kind: 'agent', id: 'a1' }, assignedAt: 0, assignedBy: 'x' },
      { policyId: policy.id, target: { kind: 'group', id: 'g1' }, assignedAt: 0, assignedBy: 'x' },
    ]);
    await policies.update(operator, policy.id, body({ description: 'assigned' }));
    expect(changes).toEqual([{ agentIds: ['a1'], groupIds: ['g1'] }]);
    await failure(policies.update(operator, policy.id, body({ mode: 'bad' })));
    expect(changes).toHaveLength(1);
  });
});

describe('PolicyService.delete', () => {
  it('is refused while assigned, then forced: assignments go, with an event each', async () => {
    const policy = await policies.create(operator, body());
    await policies.assign(operator, policy.id, { agentIds: ['a1'] });
    changes.length = 0;
    const refused = await failure(policies.delete(operator, policy.id));
    expect(refused.code).toBe(ErrorCode.PreconditionFailed);
    expect(refused.message).toMatch(/agent a1.*force=true/);
    expect((await policies.get(policy.id)).version).toBe(1);
    await policies.delete(operator, policy.id, { force: true });
    expect((await failure(policies.get(policy.id))).code).toBe(ErrorCode.NotFound);
    expect(await t.backends.db.policies.assignmentsOf(policy.id)).toEqual([]);
    const events = await eventsOf('policy_unassigned', 'policy_deleted');
    expect(events.map((e) => [e.type, e.data.targetId ?? e.data.forced, e.data.cause ?? null])).toEqual([
      ['policy_unassigned', 'a1', 'policy_deleted'],
      ['policy_deleted', true, null],
    ]);
    expect(await auditOf('policy.delete')).toEqual([
      ['failure', 'precondition_failed'],
      ['success', null],
    ]);
    expect(changes).toEqual([{ agentIds: ['a1'] }]);
  });

  it('deletes an unassigned policy at its version, refuses a stale one and an unknown id', async () => {
    const policy = await policies.create(operator, body());
    expect((await failure(policies.delete(operator, policy.id, { expectedVersion: 2 }))).code).toBe(
      ErrorCode.PreconditionFailed,
    );
    await policies.delete(operator, policy.id, { expectedVersion: 1 });
    expect((await failure(policies.delete(operator, policy.id))).code).toBe(ErrorCode.NotFound);
    expect((await eventsOf('policy_deleted')).map((e) => e.data.forced)).toEqual([false]);
    expect(changes).toEqual([]);
  });
});

describe('listeners', () => {
  it('never fail the request that committed; the error is reported', async () => {
    const reported: unknown[] = [];
    const service = new PolicyService({
      db: t.backends.db,
      auditor: t.services.auditor,
      events: new EventFactory(new TimeOrderedIds(clock), clock),
      ids: { next: () => 'P-LISTENED' },
      clock,
      groups: {
        groupsOf: async () => [],
        groupsOfMany: async () => new Map(),
        groupExists: async () => true,
      },
      onListenerError: (error) => reported.push(error),
    });
    const off = service.onPoliciesChanged(() => {
      throw new Error('listener broke');
    });
    const policy = await service.create(operator, body());
    await service.assign(operator, policy.id, { groupIds: ['g1'] });
    expect(reported).toEqual([new Error('listener broke')]);
    off();
    await service.unassign(operator, policy.id, { kind: 'group', id: 'g1' });
    expect(reported).toHaveLength(1);
  });
});
