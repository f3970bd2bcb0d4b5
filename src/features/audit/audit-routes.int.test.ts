// Every admin mutation through the REST API leaves an audit entry, on success
// and on failure, carrying the caller and the request id; and GET /audit
// filters them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { auditEntryJsonSchema } from './audit-json.js';

let api: TestApi;
const listSchema = pageOf(auditEntryJsonSchema);
let operatorActor: string;

beforeAll(async () => {
  api = await openTestApi();
  operatorActor = (await api.t.services.apiKeys.authenticate(api.keys.operator)).actor;
});
afterAll(() => api.close());

let requestCounter = 0;
/** Sends a mutation with a fresh request id and returns the audit entries written for that request. */
async function audited(
  method: string,
  url: string,
  expectedStatus: number,
  options: { body?: unknown; key?: string; headers?: Record<string, string> } = {},
) {
  const requestId = `audit-test-${++requestCounter}`;
  const response = await api.call(method, url, {
    key: options.key ?? api.keys.operator,
    body: options.body,
    headers: { ...options.headers, 'x-request-id': requestId },
  });
  expect(response.statusCode, response.body).toBe(expectedStatus);
  const entries = listSchema
    .parse((await api.call('GET', '/api/v1/audit?pageSize=500')).json())
    .items.filter((entry) => entry.requestId === requestId);
  expect(entries, `${method} ${url}`).toHaveLength(1);
  return { entry: entries[0]!, body: response.body === '' ? undefined : response.json() };
}

describe('audit entries for mutations', () => {
  it('records agent updates and unregistrations, successful or not', async () => {
    await api.enrollAgent('aud-1');
    expect(
      (await audited('PATCH', '/api/v1/agents/aud-1', 200, { body: { name: 'renamed' } })).entry,
    ).toMatchObject({
      action: 'agent.update',
      targetId: 'aud-1',
      outcome: 'success',
      actor: operatorActor,
      actorName: 'test operator',
      details: { fields: ['name'] },
    });
    expect(
      (await audited('PATCH', '/api/v1/agents/ghost', 404, { body: { name: 'x' } })).entry,
    ).toMatchObject({
      action: 'agent.update',
      targetId: 'ghost',
      outcome: 'failure',
      errorCode: 'not_found',
    });
    const stale = await audited('PATCH', '/api/v1/agents/aud-1', 412, {
      body: { name: 'x' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.entry).toMatchObject({
      action: 'agent.update',
      targetId: 'aud-1',
      outcome: 'failure',
      errorCode: 'precondition_failed',
    });
    expect((await audited('DELETE', '/api/v1/agents/aud-1', 204)).entry).toMatchObject({
      action: 'agent.unregister',
      targetId: 'aud-1',
      outcome: 'success',
    });
    expect((await audited('DELETE', '/api/v1/agents/aud-1', 404)).entry).toMatchObject({
      action: 'agent.unregister',
      outcome: 'failure',
      errorCode: 'not_found',
    });
  });

  it('records session terminations', async () => {
    const agent = await api.enrollAgent('aud-2');
    const session = await api.startSession(agent.agentId, agent.credential);
    expect((await audited('DELETE', `/api/v1/sessions/${session.id}`, 204)).entry).toMatchObject({
      action: 'session.terminate',
      targetId: session.id,
      outcome: 'success',
    });
    expect((await audited('DELETE', `/api/v1/sessions/${session.id}`, 404)).entry).toMatchObject({
      action: 'session.terminate',
      outcome: 'failure',
      errorCode: 'not_found',
    });
  });

  it('records enrollment secret creation and revocation', async () => {
    const created = await audited('POST', '/api/v1/enrollment-secrets', 201, {
      body: { name: 'audited secret' },
    });
    expect(created.entry).toMatchObject({
      action: 'enrollment_secret.create',
      targetId: created.body.id,
      outcome: 'success',
      details: { name: 'audited secret' },
    });
    expect(
      (await audited('DELETE', `/api/v1/enrollment-secrets/${created.body.id}`, 200)).entry,
    ).toMatchObject({ action: 'enrollment_secret.revoke', outcome: 'success' });
    expect((await audited('DELETE', '/api/v1/enrollment-secrets/01NOPE', 404)).entry).toMatchObject({
      action: 'enrollment_secret.revoke',
      outcome: 'failure',
      errorCode: 'not_found',
    });
  });

  it('records API key creation and revocation', async () => {
    const created = await audited('POST', '/api/v1/api-keys', 201, {
      body: { name: 'audited key', role: 'viewer' },
      key: api.keys.admin,
    });
    expect(created.entry).toMatchObject({
      action: 'api_key.create',
      targetId: created.body.id,
      outcome: 'success',
      actorName: 'test admin',
      details: { name: 'audited key', role: 'viewer' },
    });
    expect(
      (await audited('DELETE', `/api/v1/api-keys/${created.body.id}`, 200, { key: api.keys.admin })).entry,
    ).toMatchObject({ action: 'api_key.revoke', outcome: 'success' });
    expect(
      (await audited('DELETE', '/api/v1/api-keys/01NOPE', 404, { key: api.keys.admin })).entry,
    ).toMatchObject({ action: 'api_key.revoke', outcome: 'failure', errorCode: 'not_found' });
  });
});

describe('GET /api/v1/audit', () => {
  const actions = async (query: string) =>
    listSchema
      .parse((await api.call('GET', `/api/v1/audit${query}`, { key: api.keys.viewer })).json())
      .items.map((e) => `${e.action}:${e.outcome}`);

  it('filters by action, outcome, actor, target and time', async () => {
    expect(await actions('?action=agent.unregister')).toEqual(
      expect.arrayContaining(['agent.unregister:success', 'agent.unregister:failure']),
    );
    expect(new Set(await actions('?outcome=failure')).has('agent.update:success')).toBe(false);
    expect(
      (await actions(`?actor=${encodeURIComponent(operatorActor)}&targetId=aud-1`)).length,
    ).toBeGreaterThanOrEqual(3);
    expect(await actions('?since=2030-01-01T00:00:00Z')).toEqual([]);
  });

  it.each([
    ['?outcome=maybe', 'outcome'],
    ['?since=soon', 'since'],
    ['?action=DROP%20TABLE', 'action'],
    ['?who=me', 'who'],
  ])('refuses %s naming %s', async (query, field) => {
    const response = await api.call('GET', `/api/v1/audit${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
