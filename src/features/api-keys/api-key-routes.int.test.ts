// Admin API key routes over real services: create (key shown once, usable at
// once, Idempotency-Key), list, revoke, admin-only, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { apiKeyJsonSchema, createdApiKeyJsonSchema, principalJsonSchema } from './api-key-json.js';

let api: TestApi;
beforeAll(async () => {
  api = await openTestApi();
});
afterAll(() => api.close());

const create = (body: unknown, headers: Record<string, string> = {}) =>
  api.call('POST', '/api/v1/api-keys', { body, headers });

describe('POST /api/v1/api-keys', () => {
  it('creates a key (201) that works at once with its role', async () => {
    const response = await create({ name: 'ci bot', role: 'operator', ttlSeconds: 86_400 });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const created = createdApiKeyJsonSchema.parse(response.json());
    expect(created).toMatchObject({
      name: 'ci bot',
      role: 'operator',
      state: 'active',
      expiresAt: '2026-01-02T00:00:00.000Z',
      revokedAt: null,
    });
    expect(created.key.startsWith(created.hint)).toBe(true);
    expect(
      (await api.call('POST', '/api/v1/enrollment-secrets', { key: created.key, body: { name: 'by bot' } }))
        .statusCode,
    ).toBe(201);
    expect((await api.call('GET', '/api/v1/api-keys', { key: created.key })).statusCode).toBe(403);
  });

  it('replays the same key for a retry under the same Idempotency-Key', async () => {
    const first = await create({ name: 'idem', role: 'viewer' }, { 'idempotency-key': 'k-1' });
    const again = await create({ name: 'idem', role: 'viewer' }, { 'idempotency-key': 'k-1' });
    expect(again.json()).toEqual(first.json());
    expect((await create({ name: 'idem', role: 'admin' }, { 'idempotency-key': 'k-1' })).statusCode).toBe(
      422,
    );
  });

  it.each([
    [{ name: 'x', role: 'root' }, 'role'],
    [{ name: 'x' }, 'role'],
    [{ role: 'viewer' }, 'name'],
    [{ name: 'x', role: 'viewer', ttlSeconds: 5 }, 'ttlSeconds'],
    [{ name: 'x', role: 'viewer', scopes: ['*'] }, 'scopes'],
  ])('refuses %j naming %s', async (body, field) => {
    const response = await create(body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('GET and DELETE /api/v1/api-keys', () => {
  it('lists keys (the three test keys among them), paged', async () => {
    const page = pageOf(apiKeyJsonSchema).parse(
      (await api.call('GET', '/api/v1/api-keys?pageSize=500')).json(),
    );
    expect(page.items.map((k) => k.name)).toEqual(
      expect.arrayContaining(['test viewer', 'test operator', 'test admin']),
    );
    expect((await api.call('GET', '/api/v1/api-keys?pageSize=1')).json().nextPageToken).toBeDefined();
  });

  it('revokes a key (200, state revoked); it stops working; unknown ids are 404', async () => {
    const created = createdApiKeyJsonSchema.parse((await create({ name: 'temp', role: 'viewer' })).json());
    const response = await api.call('DELETE', `/api/v1/api-keys/${created.id}`);
    expect(response.statusCode).toBe(200);
    expect(apiKeyJsonSchema.parse(response.json())).toMatchObject({ id: created.id, state: 'revoked' });
    expect((await api.call('GET', '/api/v1/agents', { key: created.key })).statusCode).toBe(401);
    expect((await api.call('DELETE', '/api/v1/api-keys/01NOPE')).statusCode).toBe(404);
  });
});

describe('GET /api/v1/me', () => {
  it("tells each key's holder its own name and role; no key is 401", async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const response = await api.call('GET', '/api/v1/me', { key: api.keys[role] });
      expect(response.statusCode, response.body).toBe(200);
      const me = principalJsonSchema.parse(response.json());
      expect(me).toMatchObject({ name: `test ${role}`, role });
      expect(me.actor).toMatch(/^api_key:/);
    }
    expect((await api.call('GET', '/api/v1/me', { key: null })).statusCode).toBe(401);
  });
});
