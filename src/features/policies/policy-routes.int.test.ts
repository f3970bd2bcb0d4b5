// Admin API policy routes over real services: create (Idempotency-Key, 409),
// list in pages with filters, read with an ETag, update as a new version with
// If-Match (428, 412, *), versions, delete (412 while assigned, forced), roles,
// bad input as problem+json naming the field, size caps, audit entries, events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { auditEntryJsonSchema } from '../audit/audit-json.js';
import { EXAMPLE_BODY } from './policy.fixtures.js';
import {
  policyJsonSchema,
  policySummaryJsonSchema,
  policyVersionJsonSchema,
  policyVersionSummaryJsonSchema,
} from './policy-json.js';

let api: TestApi;
const URL = '/api/v1/policies';

beforeAll(async () => {
  api = await openTestApi();
  await api.enrollAgent('agent-a');
});
afterAll(() => api.close());

const body = (name: string, overrides: Record<string, unknown> = {}) => ({
  ...structuredClone(EXAMPLE_BODY),
  name,
  ...overrides,
});

async function create(name: string, overrides: Record<string, unknown> = {}) {
  const response = await api.call('POST', URL, { body: body(name, overrides), key: api.keys.operator });
  expect(response.statusCode, response.body).toBe(201);
  return policyJsonSchema.parse(response.json());
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
  const requestId = `policies-${++requestCounter}`;
  const response = await api.call(method, url, {
    key: options.key ?? api.keys.operator,
    body: options.body,
    headers: { ...options.headers, 'x-request-id': requestId },
  });
  const entries = pageOf(auditEntryJsonSchema)
    .parse((await api.call('GET', '/api/v1/audit?pageSize=500')).json())
    .items.filter((entry) => entry.requestId === requestId);
  return { response, entries: entries.map((e) => [e.action, e.outcome, e.errorCode]) };
}

describe('POST and GET /api/v1/policies', () => {
  it('creates version 1 (201, ETag) and reads it back for a viewer', async () => {
    const { response, entries } = await audited('POST', URL, { body: body('read-me') });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers.etag).toBe('"1"');
    const created = policyJsonSchema.parse(response.json());
    expect(created).toMatchObject({
      name: 'read-me',
      mode: 'enforce',
      version: 1,
      defaultAction: 'allow',
      rules: EXAMPLE_BODY.rules,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(entries).toEqual([['policy.create', 'success', null]]);
    const read = await api.call('GET', `${URL}/${created.id}`, { key: api.keys.viewer });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(policyJsonSchema.parse(read.json())).toEqual(created);
    expect((await api.call('GET', `${URL}/NOPE`)).statusCode).toBe(404);
  });

  it('replays a retried create under the same Idempotency-Key and refuses a taken name with 409', async () => {
    const headers = { 'idempotency-key': 'create-once' };
    const first = await api.call('POST', URL, { body: body('once'), headers });
    const again = await api.call('POST', URL, { body: body('once'), headers });
    expect([first.statusCode, again.statusCode]).toEqual([201, 201]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await api.call('POST', URL, { body: body('other'), headers })).statusCode).toBe(422);
    const taken = await audited('POST', URL, { body: body('once') });
    expect(taken.response.statusCode).toBe(409);
    expect(taken.response.headers['content-type']).toContain('application/problem+json');
    expect(taken.entries).toEqual([['policy.create', 'failure', 'already_exists']]);
  });

  const bad = (rule: Record<string, unknown>) => body('bad', { rules: [rule] });
  it.each([
    [
      'an invalid CIDR',
      bad({ id: 'r', match: { cidrs: ['10.0.0.0/8', '10.0.0.0/40'] }, action: 'block' }),
      'rules.0.match.cidrs.1',
    ],
    [
      'a catastrophic regex',
      bad({ id: 'r', match: { paths: ['^(a+)+$'] }, action: 'block' }),
      'rules.0.match.paths.0',
    ],
    [
      'an unknown rule field',
      bad({ id: 'r', match: { methods: ['GET'] }, action: 'block', when: 1 }),
      'rules.0.when',
    ],
    ['an unknown policy field', body('bad', { owner: 'me' }), 'owner'],
    ['a bad mode', body('bad', { mode: 'strict' }), 'mode'],
  ])('refuses %s with 400 problem+json naming %s, audited', async (_what, payload, field) => {
    const { response, entries } = await audited('POST', URL, { body: payload });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(fieldsOf(response)).toEqual([field]);
    expect(entries).toEqual([['policy.create', 'failure', 'invalid_argument']]);
  });

  it('refuses a rules document over 256 KiB (400 naming rules) and a body over 1 MiB (413)', async () => {
    const cidrs = (n: number) => Array.from({ length: n }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`);
    const rule = (id: string, n: number) => ({ id, match: { cidrs: cidrs(n) }, action: 'block' });
    const large = await api.call('POST', URL, {
      body: body('large', { rules: [rule('a', 9_000), rule('b', 9_000)] }),
    });
    expect(large.statusCode).toBe(400);
    expect(fieldsOf(large)).toEqual(['rules']);
    const huge = await api.call('POST', URL, {
      body: body('huge', { rules: Array.from({ length: 8 }, (_, i) => rule(`r${i}`, 10_000)) }),
    });
    expect(huge.statusCode).toBe(413);
  });

  it('lets viewers read but not create (403, audited) and refuses callers without a key (401)', async () => {
    const { response, entries } = await audited('POST', URL, { body: body('viewer'), key: api.keys.viewer });
    expect(response.statusCode).toBe(403);
    expect(entries).toEqual([['http.post', 'failure', 'permission_denied']]);
    expect((await api.call('GET', URL, { key: null })).statusCode).toBe(401);
  });

  it('lists summaries in pages, filtered by mode and name', async () => {
    await create('list-a', { mode: 'monitor' });
    await create('list-b');
    await create('list-c', { mode: 'monitor' });
    const first = await api.call('GET', `${URL}?q=list-&pageSize=2`, { key: api.keys.viewer });
    const page = pageOf(policySummaryJsonSchema).parse(first.json());
    expect(page.items.map((p) => [p.name, p.ruleCount])).toEqual([
      ['list-a', 5],
      ['list-b', 5],
    ]);
    const rest = await api.call('GET', `${URL}?q=list-&pageSize=2&pageToken=${page.nextPageToken}`);
    expect(
      pageOf(policySummaryJsonSchema)
        .parse(rest.json())
        .items.map((p) => p.name),
    ).toEqual(['list-c']);
    const monitor = await api.call('GET', `${URL}?mode=monitor&q=list`);
    expect((monitor.json() as { items: { name: string }[] }).items.map((p) => p.name)).toEqual([
      'list-a',
      'list-c',
    ]);
    expect(fieldsOf(await api.call('GET', `${URL}?q=list&pageToken=${page.nextPageToken}`))).toEqual([
      'pageToken',
    ]);
    expect(fieldsOf(await api.call('GET', `${URL}?mode=loud`))).toEqual(['mode']);
  });
});

describe('PUT /api/v1/policies/:id and versions', () => {
  it('updates at the ETag into a new version, refusing a missing (428) or stale (412) one, audited', async () => {
    const policy = await create('edit');
    const path = `${URL}/${policy.id}`;
    const v2 = body('edit', { mode: 'monitor', reason: 'dry run first' });
    const missing = await audited('PUT', path, { body: v2 });
    expect(missing.response.statusCode).toBe(428);
    expect(missing.entries).toEqual([['policy.update', 'failure', 'precondition_required']]);
    const ok = await audited('PUT', path, { body: v2, headers: { 'if-match': '"1"' } });
    expect(ok.response.statusCode, ok.response.body).toBe(200);
    expect(ok.response.headers.etag).toBe('"2"');
    expect(ok.response.json()).toMatchObject({ version: 2, mode: 'monitor' });
    expect(ok.entries).toEqual([['policy.update', 'success', null]]);
    const stale = await audited('PUT', path, { body: v2, headers: { 'if-match': '"1"' } });
    expect(stale.response.statusCode).toBe(412);
    expect(stale.entries).toEqual([['policy.update', 'failure', 'precondition_failed']]);
    expect((await api.call('PUT', path, { body: v2, headers: { 'if-match': 'W/"2"' } })).statusCode).toBe(
      412,
    );
    const any = await api.call('PUT', path, {
      body: body('edit', { rules: [] }),
      headers: { 'if-match': '*' },
    });
    expect(any.json()).toMatchObject({ version: 3, rules: [] });
    const viewer = await api.call('PUT', path, {
      body: v2,
      key: api.keys.viewer,
      headers: { 'if-match': '*' },
    });
    expect(viewer.statusCode).toBe(403);
    const invalid = await api.call('PUT', path, {
      body: body('edit', { defaultAction: 'drop' }),
      headers: { 'if-match': '*' },
    });
    expect(fieldsOf(invalid)).toEqual(['defaultAction']);

    const versions = await api.call('GET', `${path}/versions?pageSize=2`, { key: api.keys.viewer });
    const page = pageOf(policyVersionSummaryJsonSchema).parse(versions.json());
    expect(page.items.map((v) => [v.version, v.mode, v.ruleCount])).toEqual([
      [3, 'enforce', 0],
      [2, 'monitor', 5],
    ]);
    const rest = await api.call('GET', `${path}/versions?pageSize=2&pageToken=${page.nextPageToken}`);
    expect((rest.json() as { items: { version: number }[] }).items.map((v) => v.version)).toEqual([1]);
    const first = policyVersionJsonSchema.parse((await api.call('GET', `${path}/versions/1`)).json());
    expect(first).toMatchObject({ version: 1, mode: 'enforce', rules: EXAMPLE_BODY.rules, reason: '' });
    expect(first.author).toMatch(/^api_key:/);
    expect(policyVersionJsonSchema.parse((await api.call('GET', `${path}/versions/2`)).json()).reason).toBe(
      'dry run first',
    );
    expect((await api.call('GET', `${path}/versions/9`)).statusCode).toBe(404);
    expect(fieldsOf(await api.call('GET', `${path}/versions/0`))).toEqual(['version']);
    expect((await api.call('GET', `${URL}/NOPE/versions`)).statusCode).toBe(404);
  });
});

describe('DELETE /api/v1/policies/:id', () => {
  it('is refused (412) while assigned, then forced (204), with events', async () => {
    const policy = await create('busy');
    const assigned = await api.call('POST', `${URL}/${policy.id}/assignments`, {
      body: { agentIds: ['agent-a'] },
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    const refused = await audited('DELETE', `${URL}/${policy.id}`);
    expect(refused.response.statusCode).toBe(412);
    expect((refused.response.json() as { detail: string }).detail).toContain('force=true');
    expect(refused.entries).toEqual([['policy.delete', 'failure', 'precondition_failed']]);
    expect((await api.call('DELETE', `${URL}/${policy.id}?force=maybe`)).statusCode).toBe(400);
    const forced = await audited('DELETE', `${URL}/${policy.id}?force=true`);
    expect(forced.response.statusCode).toBe(204);
    expect(forced.entries).toEqual([['policy.delete', 'success', null]]);
    expect((await api.call('GET', `${URL}/${policy.id}`)).statusCode).toBe(404);
    const events = await api.call('GET', `/api/v1/events?subjectId=${policy.id}&order=asc`);
    expect((events.json() as { items: { type: string }[] }).items.map((e) => e.type)).toEqual([
      'policy_created',
      'policy_assigned',
      'policy_unassigned',
      'policy_deleted',
    ]);
  });

  it('deletes an unassigned policy at its ETag, refusing a stale ETag and viewers', async () => {
    const policy = await create('unused');
    const path = `${URL}/${policy.id}`;
    expect((await api.call('DELETE', path, { headers: { 'if-match': '"5"' } })).statusCode).toBe(412);
    expect((await api.call('DELETE', path, { key: api.keys.viewer })).statusCode).toBe(403);
    expect((await api.call('DELETE', path, { headers: { 'if-match': '"1"' } })).statusCode).toBe(204);
    expect((await api.call('DELETE', path)).statusCode).toBe(404);
  });
});
