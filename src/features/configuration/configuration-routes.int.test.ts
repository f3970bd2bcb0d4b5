// Admin API configuration routes over real services: layers with ETag and
// If-Match (412 stale or malformed), validation as problem+json naming the
// field, roles (viewers read, operators change; refusals audited), an agent's
// configuration view, bulk updates, revision history and diffs, compliance.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { auditEntryJsonSchema } from '../audit/audit-json.js';
import { BUILT_IN_DEFAULTS } from './agent-configuration.js';
import {
  agentConfigurationJsonSchema,
  complianceJsonSchema,
  layerJsonSchema,
  revisionJsonSchema,
} from './configuration-json.js';
import { configurationHash } from './layering.js';

const FLEET = '/api/v1/configuration/fleet';
const agentLayer = (id: string) => `/api/v1/agents/${id}/configuration/layer`;

let api: TestApi;
beforeEach(async () => {
  api = await openTestApi();
  await api.enrollAgent('a1', { labels: { env: 'prod' } });
  await api.enrollAgent('a2', { labels: { env: 'dev' } });
});
afterEach(() => api.close());

const fieldsOf = (response: { json(): unknown }) =>
  (response.json() as { errors?: { field: string }[] }).errors?.map((e) => e.field) ?? [];
const isProblem = (response: { headers: Record<string, unknown> }) =>
  String(response.headers['content-type']).includes('application/problem+json');

const put = (
  url: string,
  document: unknown,
  options: { ifMatch?: string; key?: string; reason?: string } = {},
) =>
  api.call('PUT', url, {
    key: options.key ?? api.keys.operator,
    body: { document, ...(options.reason === undefined ? {} : { reason: options.reason }) },
    headers: options.ifMatch === undefined ? {} : { 'if-match': options.ifMatch },
  });

describe('the fleet layer', () => {
  it('reads as revision 0 with ETag "0" for a viewer, and PUT with If-Match "0" stores revision 1', async () => {
    const read = await api.call('GET', FLEET, { key: api.keys.viewer });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"0"');
    expect(layerJsonSchema.parse(read.json())).toEqual({
      scope: 'fleet',
      document: {},
      revision: 0,
      revisionId: null,
      updatedAt: null,
      updatedBy: null,
    });
    const written = await put(FLEET, { logLevel: 'debug' }, { ifMatch: '"0"', reason: 'more detail' });
    expect(written.statusCode, written.body).toBe(200);
    expect(written.headers.etag).toBe('"1"');
    expect(layerJsonSchema.parse(written.json())).toMatchObject({
      scope: 'fleet',
      document: { logLevel: 'debug' },
      revision: 1,
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect((await api.call('GET', FLEET)).headers.etag).toBe('"1"');
  });

  it('refuses a stale If-Match with 412 problem+json and keeps the stored layer', async () => {
    expect((await put(FLEET, { logLevel: 'debug' }, { ifMatch: '"0"' })).statusCode).toBe(200);
    const stale = await put(FLEET, { logLevel: 'error' }, { ifMatch: '"0"' });
    expect(stale.statusCode).toBe(412);
    expect(isProblem(stale)).toBe(true);
    const read = await api.call('GET', FLEET);
    expect(read.json()).toMatchObject({ revision: 1, document: { logLevel: 'debug' } });
    expect((await put(FLEET, { logLevel: 'error' }, { ifMatch: '*' })).headers.etag).toBe('"2"');
  });

  it.each(['1', 'W/"0"', '"abc"', '"0", "1"'])(
    'refuses the malformed If-Match %s with 412',
    async (ifMatch) => {
      const response = await put(FLEET, { logLevel: 'debug' }, { ifMatch });
      expect(response.statusCode).toBe(412);
      expect(isProblem(response)).toBe(true);
      expect((await api.call('GET', FLEET)).headers.etag).toBe('"0"');
    },
  );

  it('refuses an invalid document with 400 naming each bad field', async () => {
    const response = await put(FLEET, {
      connectionLimits: { maxConnections: -1 },
      tracing: { endpoint: 'ftp://x' },
      colour: 'red',
    });
    expect(response.statusCode).toBe(400);
    expect(isProblem(response)).toBe(true);
    expect(fieldsOf(response).sort()).toEqual([
      'document.colour',
      'document.connectionLimits.maxConnections',
      'document.tracing.endpoint',
    ]);
  });

  it('refuses a viewer with 403 and audits the refusal', async () => {
    const response = await api.call('PUT', FLEET, {
      key: api.keys.viewer,
      body: { document: { logLevel: 'debug' } },
      headers: { 'x-request-id': 'viewer-put' },
    });
    expect(response.statusCode).toBe(403);
    const audit = pageOf(auditEntryJsonSchema).parse(
      (await api.call('GET', '/api/v1/audit?pageSize=500')).json(),
    );
    expect(
      audit.items.filter((e) => e.requestId === 'viewer-put').map((e) => [e.action, e.outcome, e.errorCode]),
    ).toEqual([['http.put', 'failure', 'permission_denied']]);
    expect((await api.call('GET', FLEET)).headers.etag).toBe('"0"');
  });

  it('refuses unknown body members and a malformed If-Match, naming them, and audits both', async () => {
    const auditOf = async (requestId: string) =>
      pageOf(auditEntryJsonSchema)
        .parse((await api.call('GET', '/api/v1/audit?pageSize=500')).json())
        .items.filter((e) => e.requestId === requestId)
        .map((e) => [e.action, e.targetKind, e.outcome, e.errorCode]);
    const extra = await api.call('PUT', '/api/v1/agents/a1/configuration/layer', {
      key: api.keys.operator,
      body: { document: { logLevel: 'debug' }, colour: 'red', reson: 'typo' },
      headers: { 'x-request-id': 'extra-members' },
    });
    expect(extra.statusCode).toBe(400);
    expect(fieldsOf(extra).sort()).toEqual(['colour', 'reson']);
    expect(await auditOf('extra-members')).toEqual([
      ['configuration.update', 'agent', 'failure', 'invalid_argument'],
    ]);
    const malformed = await api.call('PUT', FLEET, {
      key: api.keys.operator,
      body: { document: { logLevel: 'debug' } },
      headers: { 'if-match': 'W/"0"', 'x-request-id': 'bad-if-match' },
    });
    expect(malformed.statusCode).toBe(412);
    expect(await auditOf('bad-if-match')).toEqual([
      ['configuration.update', 'fleet', 'failure', 'precondition_failed'],
    ]);
    expect((await api.call('GET', FLEET)).headers.etag).toBe('"0"');
    expect((await api.call('GET', '/api/v1/agents/a1/configuration/layer')).headers.etag).toBe('"0"');
  });
});

describe("an agent's configuration", () => {
  it('shows desired, own layer and applied (null before anything was sent)', async () => {
    const response = await api.call('GET', '/api/v1/agents/a1/configuration', { key: api.keys.viewer });
    expect(response.statusCode).toBe(200);
    expect(agentConfigurationJsonSchema.parse(response.json())).toEqual({
      agentId: 'a1',
      desired: { configuration: BUILT_IN_DEFAULTS, digest: configurationHash(BUILT_IN_DEFAULTS), layers: [] },
      layer: {
        scope: 'agent:a1',
        document: {},
        revision: 0,
        revisionId: null,
        updatedAt: null,
        updatedBy: null,
      },
      applied: null,
      upToDate: false,
    });
  });

  it("replaces the agent's own layer with If-Match and shows it in the desired configuration", async () => {
    await put(FLEET, { logLevel: 'debug', reportIntervalSeconds: 30 });
    const written = await put(agentLayer('a1'), { reportIntervalSeconds: 5 }, { ifMatch: '"0"' });
    expect(written.statusCode, written.body).toBe(200);
    expect(written.headers.etag).toBe('"1"');
    const read = await api.call('GET', agentLayer('a1'));
    expect([read.headers.etag, read.json().document]).toEqual(['"1"', { reportIntervalSeconds: 5 }]);
    const view = agentConfigurationJsonSchema.parse(
      (await api.call('GET', '/api/v1/agents/a1/configuration')).json(),
    );
    expect(view.desired.configuration).toMatchObject({ logLevel: 'debug', reportIntervalSeconds: 5 });
    expect(view.desired.layers.map((l) => [l.scope, l.revision])).toEqual([
      ['fleet', 1],
      ['agent:a1', 1],
    ]);
    expect((await put(agentLayer('a1'), { logLevel: 'warn' }, { ifMatch: '"0"' })).statusCode).toBe(412);
  });

  it('answers 404 for an agent that is not enrolled, and for a group nobody created', async () => {
    expect((await api.call('GET', '/api/v1/agents/ghost/configuration')).statusCode).toBe(404);
    expect((await api.call('GET', agentLayer('ghost'))).statusCode).toBe(404);
    expect((await put(agentLayer('ghost'), { logLevel: 'warn' })).statusCode).toBe(404);
    expect((await api.call('GET', '/api/v1/groups/never-created/configuration')).statusCode).toBe(404);
    expect((await put('/api/v1/groups/never-created/configuration', {})).statusCode).toBe(404);
    expect((await api.call('GET', '/api/v1/groups/never-created/compliance')).statusCode).toBe(404);
  });
});

describe('POST /api/v1/configuration/bulk', () => {
  it('updates the agents named, one revision each, and refuses unknown ones naming the index', async () => {
    const bulk = (body: unknown, key = api.keys.operator) =>
      api.call('POST', '/api/v1/configuration/bulk', { key, body });
    const done = await bulk({
      target: { kind: 'agents', agentIds: ['a1', 'a2'] },
      patch: { logLevel: 'warn' },
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(
      done.json().results.map((r: { agentId: string; revision: number }) => [r.agentId, r.revision]),
    ).toEqual([
      ['a1', 1],
      ['a2', 1],
    ]);
    const bySelector = await bulk({
      target: { kind: 'selector', labels: { env: 'prod' } },
      patch: { reportIntervalSeconds: 9 },
    });
    expect(bySelector.json().results.map((r: { agentId: string }) => r.agentId)).toEqual(['a1']);
    expect((await api.call('GET', agentLayer('a1'))).json().document).toEqual({
      logLevel: 'warn',
      reportIntervalSeconds: 9,
    });

    const unknown = await bulk({
      target: { kind: 'agents', agentIds: ['a1', 'ghost'] },
      patch: { logLevel: 'error' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(fieldsOf(unknown)).toEqual(['target.agentIds.1']);
    expect((await api.call('GET', agentLayer('a1'))).headers.etag).toBe('"2"');
    const viewer = await bulk({ target: { kind: 'agents', agentIds: ['a1'] }, patch: {} }, api.keys.viewer);
    expect(viewer.statusCode).toBe(403);
  });
});

describe('revisions, diffs and compliance', () => {
  it('pages the revisions of a scope newest first, reads one, and diffs two', async () => {
    for (const level of ['debug', 'info', 'warn'])
      await put(FLEET, { logLevel: level }, { reason: `to ${level}` });
    const first = await api.call('GET', '/api/v1/configuration/revisions?scope=fleet&pageSize=2', {
      key: api.keys.viewer,
    });
    expect(first.statusCode).toBe(200);
    const page1 = pageOf(revisionJsonSchema).parse(first.json());
    expect(page1.items.map((r) => [r.revision, r.reason, r.author])).toEqual([
      [3, 'to warn', expect.stringMatching(/^api_key:/)],
      [2, 'to info', expect.stringMatching(/^api_key:/)],
    ]);
    expect(page1.nextPageToken).toBeTruthy();
    const second = await api.call(
      'GET',
      `/api/v1/configuration/revisions?scope=fleet&pageSize=2&pageToken=${page1.nextPageToken}`,
    );
    const page2 = pageOf(revisionJsonSchema).parse(second.json());
    expect(page2.items.map((r) => r.revision)).toEqual([1]);
    expect(page2.nextPageToken).toBeUndefined();

    const newest = page1.items[0]!;
    const one = await api.call('GET', `/api/v1/configuration/revisions/${newest.id}`, {
      key: api.keys.viewer,
    });
    expect(revisionJsonSchema.parse(one.json())).toEqual(newest);
    expect(newest.diff).toEqual([{ path: 'logLevel', from: 'info', to: 'warn' }]);
    expect((await api.call('GET', '/api/v1/configuration/revisions/nope')).statusCode).toBe(404);

    const oldest = page2.items[0]!;
    const diff = await api.call('GET', `/api/v1/configuration/diff?from=${oldest.id}&to=${newest.id}`);
    expect(diff.json()).toEqual({ changes: [{ path: 'logLevel', from: 'debug', to: 'warn' }] });
    expect((await api.call('GET', `/api/v1/configuration/diff?from=${oldest.id}&to=nope`)).statusCode).toBe(
      404,
    );
    expect(fieldsOf(await api.call('GET', `/api/v1/configuration/diff?from=${oldest.id}`))).toEqual(['to']);
  });

  it('refuses a revisions listing without a valid scope naming scope', async () => {
    for (const query of ['', '?scope=everything', '?scope=agent:'])
      expect(fieldsOf(await api.call('GET', `/api/v1/configuration/revisions${query}`)), query).toEqual([
        'scope',
      ]);
  });

  it('summarises fleet compliance for a viewer', async () => {
    const response = await api.call('GET', '/api/v1/compliance', { key: api.keys.viewer });
    expect(response.statusCode).toBe(200);
    expect(complianceJsonSchema.parse(response.json())).toEqual({
      total: 2,
      byCompliance: { unknown: 2, pending: 0, compliant: 0, non_compliant: 0 },
      compliantPercent: 0,
    });
  });
});
