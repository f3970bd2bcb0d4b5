// Admin API enrollment secret routes over real services: create (secret shown
// once, Idempotency-Key), list, read, revoke, bad input; a created secret
// really enrolls an agent and a revoked one does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { createdEnrollmentSecretJsonSchema, enrollmentSecretJsonSchema } from './enrollment-secret-json.js';

let api: TestApi;
beforeAll(async () => {
  api = await openTestApi();
});
afterAll(() => api.close());

const create = (body: unknown, headers: Record<string, string> = {}) =>
  api.call('POST', '/api/v1/enrollment-secrets', { key: api.keys.operator, body, headers });
const facts = {
  name: 'n',
  hostname: 'h',
  ipAddress: '10.0.0.9',
  version: '1',
  type: 't',
  platform: 'linux',
  capabilities: [],
  labels: {},
};
const enrollWith = (enrollmentSecret: string, agentId: string) =>
  api.t.services.agents.enroll({ enrollmentSecret, agentId, credential: '', facts });

describe('POST /api/v1/enrollment-secrets', () => {
  it('creates a secret (201), returns it once, and agents can enroll with it and join its group', async () => {
    const group = await api.t.services.groups.create(api.t.admin, { name: 'rack 12', kind: 'static' });
    const response = await create({ name: 'rack 12', maxUses: 2, ttlSeconds: 3600, groupId: group.id });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const created = createdEnrollmentSecretJsonSchema.parse(response.json());
    expect(created).toMatchObject({
      name: 'rack 12',
      groupId: group.id,
      maxUses: 2,
      uses: 0,
      state: 'active',
      expiresAt: '2026-01-01T01:00:00.000Z',
      revokedAt: null,
    });
    expect(created.secret.startsWith(created.hint)).toBe(true);
    await enrollWith(created.secret, 'enrolled-1');
    const after = enrollmentSecretJsonSchema.parse(
      (await api.call('GET', `/api/v1/enrollment-secrets/${created.id}`)).json(),
    );
    expect(after.uses).toBe(1);
    expect(after).not.toHaveProperty('secret');
    expect(await api.t.services.groups.memberIds(group.id)).toEqual(['enrolled-1']);
  });

  it('refuses a group that does not exist or is dynamic, naming groupId', async () => {
    const dynamic = await api.t.services.groups.create(api.t.admin, {
      name: 'by label',
      kind: 'dynamic',
      selector: { site: 'lab' },
    });
    for (const groupId of ['no-such-group', dynamic.id]) {
      const response = await create({ name: 'grouped', groupId });
      expect(response.statusCode).toBe(400);
      expect((response.json() as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
        'groupId',
      ]);
    }
  });

  it('replays the same response, secret included, for a retry under the same Idempotency-Key', async () => {
    const first = await create({ name: 'idem' }, { 'idempotency-key': 'req-1' });
    const again = await create({ name: 'idem' }, { 'idempotency-key': 'req-1' });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    const conflict = await create({ name: 'other' }, { 'idempotency-key': 'req-1' });
    expect(conflict.statusCode).toBe(422);
    expect(conflict.json().code).toBe('idempotency_key_reused');
    expect((await create({ name: 'idem' }, { 'idempotency-key': 'req-2' })).json().id).not.toBe(
      first.json().id,
    );
  });

  it.each([
    [{ name: 'x', colour: 'red' }, 'colour'],
    [{}, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x', maxUses: 'ten' }, 'maxUses'],
    [{ name: 'x', maxUses: 0 }, 'maxUses'],
    [{ name: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
    [{ name: 'x', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    [{ name: 'x', expiresAt: '2027-01-01T00:00:00Z', ttlSeconds: 60 }, 'ttlSeconds'],
    ['just a string', '(root)'],
  ])('refuses %j naming %s', async (body, field) => {
    const response = await create(body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const response = await create({ name: 'x' }, { 'idempotency-key': 'x'.repeat(256) });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].field).toBe('Idempotency-Key');
  });
});

describe('GET and DELETE /api/v1/enrollment-secrets', () => {
  it('lists secrets without their values, paged', async () => {
    const listSchema = pageOf(enrollmentSecretJsonSchema);
    const first = listSchema.parse(
      (await api.call('GET', '/api/v1/enrollment-secrets?pageSize=1', { key: api.keys.viewer })).json(),
    );
    expect(first.items).toHaveLength(1);
    expect(first.nextPageToken).toBeDefined();
    const all = listSchema.parse((await api.call('GET', '/api/v1/enrollment-secrets?pageSize=500')).json());
    expect(all.items.length).toBeGreaterThan(1);
    expect((await api.call('GET', '/api/v1/enrollment-secrets?pageSize=501')).statusCode).toBe(400);
  });

  it('revokes a secret (200, state revoked); it no longer enrolls', async () => {
    const created = createdEnrollmentSecretJsonSchema.parse((await create({ name: 'to revoke' })).json());
    const response = await api.call('DELETE', `/api/v1/enrollment-secrets/${created.id}`, {
      key: api.keys.operator,
    });
    expect(response.statusCode).toBe(200);
    expect(enrollmentSecretJsonSchema.parse(response.json())).toMatchObject({
      id: created.id,
      state: 'revoked',
      revokedAt: '2026-01-01T00:00:00.000Z',
    });
    await expect(enrollWith(created.secret, 'refused-1')).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('answers 404 for unknown ids', async () => {
    expect((await api.call('GET', '/api/v1/enrollment-secrets/01NOPE')).statusCode).toBe(404);
    expect((await api.call('DELETE', '/api/v1/enrollment-secrets/01NOPE')).statusCode).toBe(404);
  });
});
