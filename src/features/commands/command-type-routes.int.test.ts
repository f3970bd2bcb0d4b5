// Admin API command-type routes over real services: list with built-ins,
// register (Idempotency-Key), read by raw and %3A-encoded name with an ETag,
// replace with If-Match (428, 412), delete (refused in use, forced), roles,
// bad input as problem+json naming the field, and the audit entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { auditEntryJsonSchema } from '../audit/audit-json.js';
import { commandTypeJsonSchema, commandTypeListJsonSchema } from './command-type-json.js';
import { openCommandTypeTestApi, type CommandTypeTestApi } from './command-type-test-api.js';

let api: CommandTypeTestApi;
const URL = '/api/v1/command-types';

beforeAll(async () => {
  api = await openCommandTypeTestApi();
  await api.enrollAgent('agent-a');
});
afterAll(() => api.close());

const schema = {
  type: 'object',
  properties: { target: { type: 'string', enum: ['memory', 'disk'] } },
  required: ['target'],
  additionalProperties: false,
};
const body = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: 'dump',
  schema,
  ...extra,
});

async function register(name: string, extra: Record<string, unknown> = {}) {
  const response = await api.call('POST', URL, { body: body(name, extra), key: api.keys.operator });
  expect(response.statusCode, response.body).toBe(201);
  return commandTypeJsonSchema.parse(response.json());
}

const fieldsOf = (response: { json(): unknown }) =>
  (response.json() as { errors?: { field: string }[] }).errors?.map((e) => e.field) ?? [];

let requestCounter = 0;
/** Sends a request with a fresh request id; returns the response and the audit entries written for it. */
async function audited(
  method: string,
  url: string,
  options: { body?: unknown; key?: string; headers?: Record<string, string> },
) {
  const requestId = `command-types-${++requestCounter}`;
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

describe('GET /api/v1/command-types', () => {
  it('lists built-ins with their JSON Schema for a viewer, then registered types', async () => {
    await register('custom:listed');
    const response = await api.call('GET', URL, { key: api.keys.viewer });
    expect(response.statusCode).toBe(200);
    const { items } = commandTypeListJsonSchema.parse(response.json());
    const scan = items.find((t) => t.name === 'scan');
    expect(scan).toMatchObject({ builtIn: true, revision: null, emergency: false });
    expect(scan?.schema).toMatchObject({
      type: 'object',
      properties: { intensity: { enum: ['low', 'medium', 'high'] } },
    });
    expect(items.find((t) => t.name === 'isolate')?.emergency).toBe(true);
    expect(items.find((t) => t.name === 'custom:listed')).toMatchObject({
      builtIn: false,
      revision: 1,
      schema,
    });
    expect(items.findIndex((t) => t.name === 'custom:listed')).toBeGreaterThan(
      items.findIndex((t) => t.builtIn),
    );
  });
});

describe('POST and GET /api/v1/command-types', () => {
  it('registers a type (201) and reads it by raw and encoded name with its ETag', async () => {
    const created = await register('custom:read-me', { example: { target: 'disk' } });
    expect(created).toMatchObject({
      name: 'custom:read-me',
      builtIn: false,
      description: 'dump',
      example: { target: 'disk' },
      revision: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    for (const path of [`${URL}/custom:read-me`, `${URL}/custom%3Aread-me`, `${URL}/custom%3aread-me`]) {
      const read = await api.call('GET', path, { key: api.keys.viewer });
      expect(read.statusCode, path).toBe(200);
      expect(read.headers.etag).toBe('"1"');
      expect(commandTypeJsonSchema.parse(read.json())).toEqual(created);
    }
    const builtIn = await api.call('GET', `${URL}/scan`, { key: api.keys.viewer });
    expect(builtIn.json()).toMatchObject({ name: 'scan', builtIn: true });
    expect(builtIn.headers.etag).toBeUndefined();
    expect((await api.call('GET', `${URL}/custom:nope`)).statusCode).toBe(404);
    expect(fieldsOf(await api.call('GET', `${URL}/custom:Bad`))).toEqual(['name']);
  });

  it('replays a retried registration under the same Idempotency-Key and refuses a taken name with 409', async () => {
    const headers = { 'idempotency-key': 'register-once' };
    const first = await api.call('POST', URL, { body: body('custom:once'), headers });
    const again = await api.call('POST', URL, { body: body('custom:once'), headers });
    expect([first.statusCode, again.statusCode]).toEqual([201, 201]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await api.call('POST', URL, { body: body('custom:other'), headers })).statusCode).toBe(422);
    const taken = await api.call('POST', URL, { body: body('custom:once') });
    expect(taken.statusCode).toBe(409);
    expect(taken.headers['content-type']).toContain('application/problem+json');
  });

  it.each([
    ['a built-in name', 'name', body('scan')],
    ['a name without custom:', 'name', body('dump')],
    [
      'an unknown keyword',
      'schema.properties.a.format',
      body('custom:k', { schema: { type: 'object', properties: { a: { type: 'string', format: 'x' } } } }),
    ],
    ['a non-object root', 'schema.type', body('custom:k', { schema: { type: 'string' } })],
    ['an unknown member', 'colour', body('custom:k', { colour: 'red' })],
    ['a bad example', 'example.target', body('custom:k', { example: { target: 'tape' } })],
  ])('refuses %s with 400 problem+json naming %s, audited', async (_what, field, payload) => {
    const { response, entries } = await audited('POST', URL, { body: payload });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(fieldsOf(response)).toContain(field);
    expect(entries.map((e) => [e.action, e.outcome, e.errorCode])).toEqual([
      ['command_type.register', 'failure', 'invalid_argument'],
    ]);
  });

  it('refuses a schema over 64 KiB naming schema', async () => {
    const properties = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`p${i}`, { type: 'string', description: 'x'.repeat(2000) }]),
    );
    const response = await api.call('POST', URL, {
      body: body('custom:big', { schema: { type: 'object', properties } }),
    });
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response)).toEqual(['schema']);
  });

  it('lets viewers read but not register (403, audited) and refuses callers without a key (401)', async () => {
    const { response, entries } = await audited('POST', URL, {
      body: body('custom:viewer'),
      key: api.keys.viewer,
    });
    expect(response.statusCode).toBe(403);
    expect(entries.map((e) => [e.action, e.errorCode])).toEqual([['http.post', 'permission_denied']]);
    expect((await api.call('GET', URL, { key: null })).statusCode).toBe(401);
  });
});

describe('PUT /api/v1/command-types/:name', () => {
  const v2 = { description: 'v2', schema: { type: 'object', properties: { depth: { type: 'integer' } } } };

  it('replaces at the ETag, refuses a stale one (412) and a missing one (428), audited', async () => {
    await register('custom:edit');
    const path = `${URL}/custom%3Aedit`;
    const missing = await audited('PUT', path, { body: v2 });
    expect(missing.response.statusCode).toBe(428);
    expect(missing.entries.map((e) => [e.action, e.errorCode])).toEqual([
      ['command_type.update', 'precondition_required'],
    ]);
    const ok = await audited('PUT', path, { body: v2, headers: { 'if-match': '"1"' } });
    expect(ok.response.statusCode, ok.response.body).toBe(200);
    expect(ok.response.headers.etag).toBe('"2"');
    expect(ok.response.json()).toMatchObject({
      name: 'custom:edit',
      description: 'v2',
      revision: 2,
      example: null,
    });
    expect(ok.entries.map((e) => [e.action, e.outcome, e.targetId])).toEqual([
      ['command_type.update', 'success', 'custom:edit'],
    ]);
    const stale = await audited('PUT', path, { body: v2, headers: { 'if-match': '"1"' } });
    expect(stale.response.statusCode).toBe(412);
    expect(stale.entries.map((e) => e.errorCode)).toEqual(['precondition_failed']);
    expect((await api.call('PUT', path, { body: v2, headers: { 'if-match': 'W/"2"' } })).statusCode).toBe(
      412,
    );
    const any = await api.call('PUT', path, { body: v2, headers: { 'if-match': '*' } });
    expect(any.json()).toMatchObject({ revision: 3 });
  });

  it('refuses to change a built-in (400 naming name) and lets no viewer replace (403)', async () => {
    const builtIn = await api.call('PUT', `${URL}/scan`, { body: v2, headers: { 'if-match': '*' } });
    expect(builtIn.statusCode).toBe(400);
    expect(fieldsOf(builtIn)).toEqual(['name']);
    const viewer = await api.call('PUT', `${URL}/custom:edit`, {
      body: v2,
      key: api.keys.viewer,
      headers: { 'if-match': '*' },
    });
    expect(viewer.statusCode).toBe(403);
  });
});

describe('DELETE /api/v1/command-types/:name', () => {
  it('is refused (412) while a queued command uses the type, then forced (204)', async () => {
    await register('custom:busy');
    const sent = await api.call('POST', '/api/v1/commands', {
      body: {
        type: 'custom:busy',
        params: { target: 'memory' },
        target: { kind: 'agent', agentId: 'agent-a' },
      },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const refused = await audited('DELETE', `${URL}/custom:busy`, {});
    expect(refused.response.statusCode).toBe(412);
    expect((refused.response.json() as { detail: string }).detail).toContain('force=true');
    expect(refused.entries.map((e) => [e.action, e.outcome])).toEqual([['command_type.delete', 'failure']]);
    expect((await api.call('DELETE', `${URL}/custom:busy?force=maybe`)).statusCode).toBe(400);
    const forced = await audited('DELETE', `${URL}/custom%3Abusy?force=true`, {});
    expect(forced.response.statusCode).toBe(204);
    expect(forced.entries.map((e) => [e.outcome, e.details])).toEqual([['success', { force: true }]]);
    expect((await api.call('GET', `${URL}/custom:busy`)).statusCode).toBe(404);
    const events = await api.call(
      'GET',
      '/api/v1/events?type=command_type_registered,command_type_deleted&subjectId=custom:busy&order=asc',
    );
    expect((events.json() as { items: { type: string }[] }).items.map((e) => e.type)).toEqual([
      'command_type_registered',
      'command_type_deleted',
    ]);
  });

  it('deletes an unused type at its ETag, refuses a stale ETag, built-ins and viewers', async () => {
    await register('custom:unused');
    expect(
      (await api.call('DELETE', `${URL}/custom:unused`, { headers: { 'if-match': '"5"' } })).statusCode,
    ).toBe(412);
    expect((await api.call('DELETE', `${URL}/custom:unused`, { key: api.keys.viewer })).statusCode).toBe(403);
    expect(
      (await api.call('DELETE', `${URL}/custom:unused`, { headers: { 'if-match': '"1"' } })).statusCode,
    ).toBe(204);
    expect((await api.call('DELETE', `${URL}/custom:unused`)).statusCode).toBe(404);
    expect(fieldsOf(await api.call('DELETE', `${URL}/ping`))).toEqual(['name']);
  });
});

describe('the OpenAPI document', () => {
  it('describes the command-type routes with their schemas', async () => {
    const document = (await api.call('GET', '/api/v1/openapi.json', { key: null })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
    };
    expect(Object.keys(document.paths['/api/v1/command-types'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/api/v1/command-types/{name}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
    expect(document.paths['/api/v1/command-types/{name}']?.put?.responses).toHaveProperty('428');
    expect(document.paths['/api/v1/command-types']?.post?.requestBody).toBeDefined();
  });
});
