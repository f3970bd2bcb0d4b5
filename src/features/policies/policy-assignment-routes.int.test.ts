// Admin API policy assignment routes over real services: BulkAssignPolicy with
// a result per target (all or nothing), the assignment list in pages, unassign
// from an agent or a group, GetAgentPolicies (direct and effective, with the
// digest), roles and audit entries. The test server has no groups feature
// wired (no group exists), so group assignments are seeded through the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { EXAMPLE_BODY } from './policy.fixtures.js';
import {
  agentPoliciesJsonSchema,
  assignmentJsonSchema,
  bulkAssignJsonSchema,
  policyJsonSchema,
} from './policy-json.js';

let api: TestApi;
const URL = '/api/v1/policies';

beforeAll(async () => {
  api = await openTestApi();
  for (const id of ['agent-a', 'agent-b', 'agent-c']) await api.enrollAgent(id);
});
afterAll(() => api.close());

async function create(name: string) {
  const response = await api.call('POST', URL, { body: { ...structuredClone(EXAMPLE_BODY), name } });
  expect(response.statusCode, response.body).toBe(201);
  return policyJsonSchema.parse(response.json());
}

const fieldsOf = (response: { json(): unknown }) =>
  (response.json() as { errors?: { field: string }[] }).errors?.map((e) => e.field) ?? [];

async function auditActions(policyId: string) {
  const audit = await api.call('GET', `/api/v1/audit?pageSize=500`);
  return (
    audit.json() as { items: { action: string; targetId: string; outcome: string; errorCode: string }[] }
  ).items
    .filter((e) => e.targetId === policyId)
    .map((e) => [e.action, e.outcome, e.errorCode]);
}

describe('POST /api/v1/policies/:id/assignments', () => {
  it('assigns agents for an operator with a result per target; repeating changes nothing', async () => {
    const policy = await create('bulk');
    const path = `${URL}/${policy.id}/assignments`;
    const first = await api.call('POST', path, {
      body: { agentIds: ['agent-a', 'agent-b'] },
      key: api.keys.operator,
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(bulkAssignJsonSchema.parse(first.json())).toEqual({
      policyId: policy.id,
      version: 1,
      results: [
        { targetKind: 'agent', targetId: 'agent-a', outcome: 'assigned' },
        { targetKind: 'agent', targetId: 'agent-b', outcome: 'assigned' },
      ],
    });
    const again = await api.call('POST', path, { body: { agentIds: ['agent-b', 'agent-c'] } });
    expect((again.json() as { results: { outcome: string }[] }).results.map((r) => r.outcome)).toEqual([
      'already_assigned',
      'assigned',
    ]);
    expect(await auditActions(policy.id)).toEqual([
      ['policy.create', 'success', null],
      ['policy.assign', 'success', null],
      ['policy.assign', 'success', null],
    ]);
  });

  it('refuses unknown agents and groups naming each (400), storing none of the targets', async () => {
    const policy = await create('refused');
    const path = `${URL}/${policy.id}/assignments`;
    const response = await api.call('POST', path, {
      body: { agentIds: ['agent-a', 'ghost'], groupIds: ['no-such-group'] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(fieldsOf(response)).toEqual(['agentIds.1', 'groupIds.0']);
    const listed = await api.call('GET', path);
    expect((listed.json() as { items: unknown[] }).items).toEqual([]);
    expect(fieldsOf(await api.call('POST', path, { body: {} }))).toEqual(['(root)']);
    expect(fieldsOf(await api.call('POST', path, { body: { agentIds: 'agent-a' } }))).toEqual(['agentIds']);
    expect(
      (await api.call('POST', `${URL}/NOPE/assignments`, { body: { agentIds: ['agent-a'] } })).statusCode,
    ).toBe(404);
    const viewer = await api.call('POST', path, { body: { agentIds: ['agent-a'] }, key: api.keys.viewer });
    expect(viewer.statusCode).toBe(403);
  });
});

describe('GET and DELETE /api/v1/policies/:id/assignments', () => {
  it('lists assignments in pages (agents, then groups) and unassigns each kind', async () => {
    const policy = await create('listed');
    const path = `${URL}/${policy.id}/assignments`;
    await api.call('POST', path, { body: { agentIds: ['agent-c', 'agent-a'] } });
    await api.t.backends.db.policies.assign([
      {
        policyId: policy.id,
        target: { kind: 'group', id: 'grp-1' },
        assignedAt: 0,
        assignedBy: 'api_key:seed',
      },
    ]);
    const first = await api.call('GET', `${path}?pageSize=2`, { key: api.keys.viewer });
    const page = pageOf(assignmentJsonSchema).parse(first.json());
    expect(page.items.map((a) => `${a.targetKind}:${a.targetId}`)).toEqual([
      'agent:agent-a',
      'agent:agent-c',
    ]);
    const rest = await api.call('GET', `${path}?pageSize=2&pageToken=${page.nextPageToken}`);
    expect(
      pageOf(assignmentJsonSchema)
        .parse(rest.json())
        .items.map((a) => a.targetId),
    ).toEqual(['grp-1']);

    expect((await api.call('DELETE', `${path}/agents/agent-a`, { key: api.keys.viewer })).statusCode).toBe(
      403,
    );
    expect((await api.call('DELETE', `${path}/agents/agent-a`, { key: api.keys.operator })).statusCode).toBe(
      204,
    );
    expect((await api.call('DELETE', `${path}/agents/agent-a`)).statusCode).toBe(404);
    expect((await api.call('DELETE', `${path}/groups/grp-1`)).statusCode).toBe(204);
    const left = await api.call('GET', path);
    expect((left.json() as { items: { targetId: string }[] }).items.map((a) => a.targetId)).toEqual([
      'agent-c',
    ]);
    expect((await auditActions(policy.id)).filter(([action]) => action === 'policy.unassign')).toEqual([
      ['policy.unassign', 'success', null],
      ['policy.unassign', 'failure', 'not_found'],
      ['policy.unassign', 'success', null],
    ]);
    const events = await api.call(
      'GET',
      `/api/v1/events?subjectId=${policy.id}&type=policy_unassigned&order=asc`,
    );
    expect(
      (events.json() as { items: { data: { targetId: string } }[] }).items.map((e) => e.data.targetId),
    ).toEqual(['agent-a', 'grp-1']);
  });
});

describe('GET /api/v1/agents/:id/policies', () => {
  it("shows the agent's direct assignments and its effective set with the digest", async () => {
    const [p1, p2] = [await create('agent-view-1'), await create('agent-view-2')];
    for (const p of [p2, p1])
      await api.call('POST', `${URL}/${p.id}/assignments`, { body: { agentIds: ['agent-b'] } });
    const response = await api.call('GET', '/api/v1/agents/agent-b/policies', { key: api.keys.viewer });
    expect(response.statusCode, response.body).toBe(200);
    const view = agentPoliciesJsonSchema.parse(response.json());
    const mine = view.direct.filter((d) => d.name.startsWith('agent-view-'));
    expect(mine.map((d) => [d.policyId, d.version, d.mode])).toEqual([
      [p1.id, 1, 'enforce'],
      [p2.id, 1, 'enforce'],
    ]);
    const effective = view.effective.policies.filter((p) => p.name.startsWith('agent-view-'));
    expect(effective.map((p) => [p.policyId, p.ruleCount, p.via])).toEqual([
      [p1.id, 5, [{ kind: 'agent', id: 'agent-b' }]],
      [p2.id, 5, [{ kind: 'agent', id: 'agent-b' }]],
    ]);
    expect(view.effective.digest).toBe((await api.t.services.policies.effectivePolicies('agent-b')).hash);
    expect(view.effective.digest).toMatch(/^[0-9a-f]{64}$/);
    expect((await api.call('GET', '/api/v1/agents/ghost/policies')).statusCode).toBe(404);
  });
});
