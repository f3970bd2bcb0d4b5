// Admin API group routes over real services: create (Idempotency-Key, 409),
// list with filters and page tokens, read with an ETag, update (If-Match
// required: 428, 412, *), delete, membership edits, members, summary and an
// agent's groups; roles (viewers read, operators write), problem+json naming
// fields, and the audit entries of changes and refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { auditEntryJsonSchema } from '../audit/audit-json.js';
import {
  groupJsonSchema,
  groupMemberJsonSchema,
  groupSummaryJsonSchema,
  membersAddedJsonSchema,
  membersRemovedJsonSchema,
} from './group-json.js';

let api: TestApi;
const URL = '/api/v1/groups';

beforeAll(async () => {
  api = await openTestApi();
  await api.enrollAgent('agent-a', { labels: { env: 'prod' } });
  await api.enrollAgent('agent-b', { labels: { env: 'prod', team: 'blue' } });
  await api.enrollAgent('agent-c', { labels: { env: 'dev' } });
});
afterAll(() => api.close());

async function create(body: Record<string, unknown>) {
  const response = await api.call('POST', URL, { body, key: api.keys.operator });
  expect(response.statusCode, response.body).toBe(201);
  return groupJsonSchema.parse(response.json());
}
const fieldsOf = (response: { json(): unknown }) =>
  (response.json() as { errors?: { field: string }[] }).errors?.map((e) => e.field) ?? [];

let requestCounter = 0;
/** Sends a request with a fresh request id; returns the response and the audit entries written for it. */
async function audited(
  method: string,
  url: string,
  options: { body?: unknown; key?: string; headers?: Record<string, string> } = {},
) {
  const requestId = `groups-${++requestCounter}`;
  const response = await api.call(method, url, {
    key: options.key ?? api.keys.operator,
    body: options.body,
    headers: { ...options.headers, 'x-request-id': requestId },
  });
  const entries = pageOf(auditEntryJsonSchema)
    .parse((await api.call('GET', '/api/v1/audit?pageSize=500')).json())
    .items.filter((entry) => entry.requestId === requestId);
  return { response, entries };
}

describe('creating and reading groups', () => {
  it('creates (201), replays a retried Idempotency-Key, refuses a taken name (409) and bad input (400)', async () => {
    const headers = { 'idempotency-key': 'create-web' };
    const body = { name: 'web', kind: 'static', priority: 5 };
    const first = await api.call('POST', URL, { body, headers, key: api.keys.operator });
    const again = await api.call('POST', URL, { body, headers, key: api.keys.operator });
    expect([first.statusCode, again.statusCode]).toEqual([201, 201]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(groupJsonSchema.parse(first.json())).toMatchObject({
      name: 'web',
      kind: 'static',
      selector: null,
      priority: 5,
      revision: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    const taken = await api.call('POST', URL, { body: { name: 'web', kind: 'static' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.headers['content-type']).toContain('application/problem+json');
    const bad = await api.call('POST', URL, { body: { name: 'x', kind: 'dynamic', priority: 5000 } });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad)).toEqual(['priority']);
    const noSelector = await api.call('POST', URL, { body: { name: 'x', kind: 'dynamic' } });
    expect(fieldsOf(noSelector)).toEqual(['selector']);
  });

  it('reads a group with its ETag, lists with filters and page tokens, and answers 404', async () => {
    const prod = await create({ name: 'prod', kind: 'dynamic', selector: { env: 'prod' } });
    const read = await api.call('GET', `${URL}/${prod.id}`, { key: api.keys.viewer });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(groupJsonSchema.parse(read.json())).toEqual(prod);
    const list = pageOf(groupJsonSchema);
    const dynamic = list.parse(
      (await api.call('GET', `${URL}?kind=dynamic`, { key: api.keys.viewer })).json(),
    );
    expect(dynamic.items.map((g) => g.name)).toEqual(['prod']);
    const byName = list.parse((await api.call('GET', `${URL}?q=WE`)).json());
    expect(byName.items.map((g) => g.name)).toEqual(['web']);
    const first = list.parse((await api.call('GET', `${URL}?pageSize=1`)).json());
    const second = list.parse(
      (await api.call('GET', `${URL}?pageSize=1&pageToken=${first.nextPageToken}`)).json(),
    );
    expect([...first.items, ...second.items].map((g) => g.name)).toEqual(['web', 'prod']);
    const otherFilter = await api.call(
      'GET',
      `${URL}?kind=static&pageSize=1&pageToken=${first.nextPageToken}`,
    );
    expect(fieldsOf(otherFilter)).toEqual(['pageToken']);
    expect(fieldsOf(await api.call('GET', `${URL}?kind=smart`))).toEqual(['kind']);
    expect((await api.call('GET', `${URL}/nope`)).statusCode).toBe(404);
  });
});

describe('updating and deleting groups', () => {
  it('requires If-Match (428), refuses a stale one (412), accepts the ETag or *, auditing each', async () => {
    const db = await create({ name: 'db', kind: 'static' });
    const path = `${URL}/${db.id}`;
    const missing = await audited('PATCH', path, { body: { priority: 1 } });
    expect(missing.response.statusCode).toBe(428);
    expect(missing.entries).toMatchObject([
      { action: 'group.update', outcome: 'failure', errorCode: 'precondition_required' },
    ]);
    const ok = await audited('PATCH', path, { body: { priority: 1 }, headers: { 'if-match': '"1"' } });
    expect(ok.response.statusCode, ok.response.body).toBe(200);
    expect(ok.response.headers.etag).toBe('"2"');
    expect(ok.entries).toMatchObject([{ action: 'group.update', outcome: 'success', targetId: db.id }]);
    const stale = await audited('PATCH', path, { body: { priority: 2 }, headers: { 'if-match': '"1"' } });
    expect(stale.response.statusCode).toBe(412);
    expect(stale.entries).toMatchObject([{ outcome: 'failure', errorCode: 'precondition_failed' }]);
    expect(
      (await api.call('PATCH', path, { body: { priority: 2 }, headers: { 'if-match': 'W/"2"' } })).statusCode,
    ).toBe(412);
    const anyRevision = await api.call('PATCH', path, {
      body: { name: 'databases' },
      headers: { 'if-match': '*' },
    });
    expect(groupJsonSchema.parse(anyRevision.json())).toMatchObject({ name: 'databases', revision: 3 });
    const kind = await api.call('PATCH', path, { body: { kind: 'dynamic' }, headers: { 'if-match': '*' } });
    expect(fieldsOf(kind)).toEqual(['kind']);
  });

  it('deletes with an optional If-Match (412 when stale), then answers 404', async () => {
    const temp = await create({ name: 'temp', kind: 'static' });
    const path = `${URL}/${temp.id}`;
    expect((await api.call('DELETE', path, { headers: { 'if-match': '"9"' } })).statusCode).toBe(412);
    const deleted = await audited('DELETE', path);
    expect(deleted.response.statusCode).toBe(204);
    expect(deleted.entries).toMatchObject([{ action: 'group.delete', outcome: 'success' }]);
    expect((await api.call('GET', path)).statusCode).toBe(404);
  });
});

describe('membership', () => {
  it('adds, lists, removes in bulk and one by path, with the summary and the agent’s groups', async () => {
    const ops = await create({ name: 'ops', kind: 'static', priority: 100 });
    const blue = await create({ name: 'blue', kind: 'dynamic', selector: { team: 'blue' } });
    const members = `${URL}/${ops.id}/members`;
    const added = await audited('POST', members, { body: { agentIds: ['agent-b', 'agent-c'] } });
    expect(membersAddedJsonSchema.parse(added.response.json())).toEqual({
      groupId: ops.id,
      added: ['agent-b', 'agent-c'],
      alreadyMembers: [],
    });
    expect(added.entries).toMatchObject([{ action: 'group.add_members', details: { added: 2 } }]);
    const unknown = await api.call('POST', members, { body: { agentIds: ['agent-a', 'ghost'] } });
    expect(unknown.statusCode).toBe(400);
    expect(fieldsOf(unknown)).toEqual(['agentIds.1']);

    const page = pageOf(groupMemberJsonSchema).parse(
      (await api.call('GET', `${members}?pageSize=1`, { key: api.keys.viewer })).json(),
    );
    expect(page.items).toMatchObject([
      { agentId: 'agent-b', addedBy: expect.stringMatching(/^api_key:/), status: 'offline' },
    ]);
    const next = pageOf(groupMemberJsonSchema).parse(
      (await api.call('GET', `${members}?pageSize=1&pageToken=${page.nextPageToken}`)).json(),
    );
    expect(next.items.map((m) => m.agentId)).toEqual(['agent-c']);

    const order = await api.call('GET', '/api/v1/agents/agent-b/groups', { key: api.keys.viewer });
    expect(order.json().items.map((g: { name: string }) => g.name)).toEqual(['ops', 'prod', 'blue']);
    expect((await api.call('GET', '/api/v1/agents/ghost/groups')).statusCode).toBe(404);

    const summary = groupSummaryJsonSchema.parse(
      (await api.call('GET', `${URL}/${blue.id}/summary`, { key: api.keys.viewer })).json(),
    );
    expect(summary).toEqual({
      groupId: blue.id,
      name: 'blue',
      kind: 'dynamic',
      members: 1,
      byStatus: { online: 0, offline: 1, inactive: 0 },
      byHealth: { unknown: 1, healthy: 0, degraded: 0, unhealthy: 0 },
      compliance: { unknown: 1, pending: 0, compliant: 0, non_compliant: 0 },
    });

    const removed = await api.call('POST', `${members}/remove`, {
      body: { agentIds: ['agent-c', 'agent-a'] },
    });
    expect(membersRemovedJsonSchema.parse(removed.json())).toEqual({
      groupId: ops.id,
      removed: ['agent-c'],
      notMembers: ['agent-a'],
    });
    expect((await api.call('DELETE', `${members}/agent-b`)).statusCode).toBe(204);
    expect((await api.call('DELETE', `${members}/agent-b`)).statusCode).toBe(404);
    const dynamicEdit = await api.call('POST', `${URL}/${blue.id}/members`, {
      body: { agentIds: ['agent-a'] },
    });
    expect(dynamicEdit.statusCode).toBe(412);
  });
});

describe('roles', () => {
  it('lets a viewer read but not change anything (403, audited)', async () => {
    const group = await create({ name: 'roles', kind: 'static' });
    const path = `${URL}/${group.id}`;
    for (const url of [URL, path, `${path}/members`, `${path}/summary`, '/api/v1/agents/agent-a/groups'])
      expect((await api.call('GET', url, { key: api.keys.viewer })).statusCode, url).toBe(200);
    const writes: [string, string, unknown][] = [
      ['POST', URL, { name: 'v', kind: 'static' }],
      ['PATCH', path, { priority: 1 }],
      ['DELETE', path, undefined],
      ['POST', `${path}/members`, { agentIds: ['agent-a'] }],
      ['POST', `${path}/members/remove`, { agentIds: ['agent-a'] }],
      ['DELETE', `${path}/members/agent-a`, undefined],
    ];
    for (const [method, url, body] of writes) {
      const { response, entries } = await audited(method, url, { key: api.keys.viewer, body });
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(entries.map((e) => e.outcome)).toEqual(['failure']);
    }
    expect((await api.call('GET', path, { key: null })).statusCode).toBe(401);
  });
});
