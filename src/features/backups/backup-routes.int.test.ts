// Admin API backup and state routes over real services: create (Idempotency-
// Key), list, get, download (the stored document as an attachment), diff,
// restore (dry run, applied, uploaded), export and import into a second
// instance; roles (viewers read, operators create, admins restore, export and
// import), problem+json naming fields, audit entries of changes and refusals,
// and the import route's raised body limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { auditEntryJsonSchema } from '../audit/audit-json.js';
import {
  backupDiffJsonSchema,
  backupJsonSchema,
  backupSummaryJsonSchema,
  importResultJsonSchema,
  restorePlanJsonSchema,
} from './backup-json.js';

let api: TestApi;
let second: TestApi;
const URL = '/api/v1/backups';

beforeAll(async () => {
  api = await openTestApi();
  second = await openTestApi();
  await api.enrollAgent('a1');
  const layer = { document: { logLevel: 'debug' } };
  expect((await api.call('PUT', '/api/v1/configuration/fleet', { body: layer })).statusCode).toBe(200);
  expect((await api.call('PUT', '/api/v1/agents/a1/configuration/layer', { body: layer })).statusCode).toBe(
    200,
  );
});
afterAll(async () => {
  await api.close();
  await second.close();
});

const fieldsOf = (response: { json(): unknown }) =>
  (response.json() as { errors?: { field: string }[] }).errors?.map((e) => e.field) ?? [];

let requestCounter = 0;
/** A request with a fresh request id, and the audit entries written for it. */
async function audited(method: string, url: string, options: { body?: unknown; key?: string } = {}) {
  const requestId = `backups-${++requestCounter}`;
  const response = await api.call(method, url, {
    key: options.key ?? api.keys.admin,
    body: options.body,
    headers: { 'x-request-id': requestId },
  });
  const entries = pageOf(auditEntryJsonSchema)
    .parse((await api.call('GET', '/api/v1/audit?pageSize=500')).json())
    .items.filter((entry) => entry.requestId === requestId);
  return { response, entries: entries.map((e) => [e.action, e.outcome, e.errorCode]) };
}

async function createBackup(scope: string, headers: Record<string, string> = {}) {
  const response = await api.call('POST', URL, {
    key: api.keys.operator,
    body: { name: `of ${scope}`, scope },
    headers,
  });
  expect(response.statusCode, response.body).toBe(201);
  return backupSummaryJsonSchema.parse(response.json());
}

describe('backups over REST', () => {
  it('creates (201, replaying an Idempotency-Key), lists, gets, downloads and diffs for viewers', async () => {
    const headers = { 'idempotency-key': 'nightly' };
    const created = await createBackup('fleet', headers);
    const replay = await api.call('POST', URL, {
      key: api.keys.operator,
      body: { name: 'of fleet', scope: 'fleet' },
      headers,
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(created);

    const viewer = { key: api.keys.viewer };
    const list = pageOf(backupSummaryJsonSchema).parse(
      (await api.call('GET', `${URL}?scope=fleet`, viewer)).json(),
    );
    expect(list.items.map((b) => b.id)).toEqual([created.id]);
    const one = backupJsonSchema.parse((await api.call('GET', `${URL}/${created.id}`, viewer)).json());
    expect(one.layers.map((l) => l.scope)).toEqual(['fleet', 'agent:a1']);

    const download = await api.call('GET', `${URL}/${created.id}/download`, viewer);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toMatch(/^application\/json/);
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="corral-backup-${created.id}.json"`,
    );
    expect(Buffer.byteLength(download.body)).toBe(created.size);
    expect(download.json()).toMatchObject({
      format: 'corral.backup',
      version: 1,
      checksum: created.checksum,
    });

    await api.call('PUT', '/api/v1/configuration/fleet', { body: { document: { logLevel: 'warn' } } });
    const diff = backupDiffJsonSchema.parse(
      (await api.call('GET', `${URL}/${created.id}/diff`, viewer)).json(),
    );
    expect(diff.layers).toEqual([
      {
        scope: 'fleet',
        backupRevision: 1,
        currentRevision: 2,
        changes: [{ path: 'logLevel', from: 'debug', to: 'warn' }],
      },
    ]);
    expect((await api.call('GET', `${URL}/nope`, viewer)).statusCode).toBe(404);
    const bad = await api.call('POST', URL, { key: api.keys.operator, body: { name: 'x', scope: 'moon' } });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad)).toEqual(['scope']);
  });

  it('restores for admins only: a dry run, then the restore, then an uploaded download', async () => {
    const backup = await createBackup('agent:a1');
    await api.call('PUT', '/api/v1/agents/a1/configuration/layer', {
      body: { document: { logLevel: 'error' } },
    });
    const restoreUrl = `${URL}/${backup.id}/restore`;

    const asViewer = await audited('POST', `${URL}`, {
      key: api.keys.viewer,
      body: { name: 'x', scope: 'fleet' },
    });
    expect(asViewer.response.statusCode).toBe(403);
    const asOperator = await audited('POST', restoreUrl, { key: api.keys.operator, body: {} });
    expect(asOperator.response.statusCode).toBe(403);
    expect(asOperator.entries).toEqual([['http.post', 'failure', 'permission_denied']]);

    const dry = await audited('POST', restoreUrl, { body: { dryRun: true } });
    expect(dry.response.statusCode).toBe(200);
    const plan = restorePlanJsonSchema.parse(dry.response.json());
    expect(plan).toMatchObject({ dryRun: true, layers: [{ scope: 'agent:a1', fromRevision: 2 }] });
    expect(dry.entries).toEqual([['backup.restore', 'success', null]]);

    const done = await audited('POST', restoreUrl, {});
    expect(restorePlanJsonSchema.parse(done.response.json()).layers).toMatchObject([{ revision: 3 }]);
    expect(done.entries).toEqual([
      ['configuration.update', 'success', null],
      ['backup.restore', 'success', null],
    ]);

    const text = (await api.call('GET', `${URL}/${backup.id}/download`)).body;
    await api.call('PUT', '/api/v1/agents/a1/configuration/layer', { body: { document: {} } });
    const uploaded = await api.call('POST', `${URL}/restore`, { body: { document: text } });
    expect(uploaded.statusCode, uploaded.body).toBe(200);
    expect(restorePlanJsonSchema.parse(uploaded.json())).toMatchObject({
      uploaded: true,
      layers: [{ revision: 5 }],
    });

    const damaged = { ...JSON.parse(text), checksum: '0'.repeat(64) };
    const refused = await audited('POST', `${URL}/restore`, { body: { document: damaged } });
    expect(refused.response.statusCode).toBe(400);
    expect(refused.response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(fieldsOf(refused.response)).toEqual(['document.checksum']);
    expect(refused.entries).toEqual([['backup.restore', 'failure', 'invalid_argument']]);
  });
});

describe('state export and import over REST', () => {
  it('exports for admins, imports into an empty instance once, and refuses damaged documents', async () => {
    expect((await api.call('GET', '/api/v1/state/export', { key: api.keys.operator })).statusCode).toBe(403);
    const exported = await audited('GET', '/api/v1/state/export?history=true');
    expect(exported.response.statusCode).toBe(200);
    const document = exported.response.json() as { id: string; content: { revisions: unknown[] } };
    expect(exported.response.headers['content-disposition']).toBe(
      `attachment; filename="corral-state-${document.id}.json"`,
    );
    expect(document.content.revisions.length).toBeGreaterThan(2);
    expect(exported.entries).toEqual([['state.export', 'success', null]]);

    const asOperator = await second.call('POST', '/api/v1/state/import', {
      key: second.keys.operator,
      body: document,
    });
    expect(asOperator.statusCode).toBe(403);
    const imported = await second.call('POST', '/api/v1/state/import', { body: document });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(importResultJsonSchema.parse(imported.json())).toMatchObject({ exportId: document.id });
    const layer = (await second.call('GET', '/api/v1/configuration/fleet')).json();
    expect(layer).toEqual((await api.call('GET', '/api/v1/configuration/fleet')).json());

    const again = await second.call('POST', '/api/v1/state/import', { body: document });
    expect(again.statusCode).toBe(412);
    const wrong = await api.call('POST', '/api/v1/state/import', { body: { ...document, version: 7 } });
    expect(wrong.statusCode).toBe(400);
    expect(fieldsOf(wrong)).toEqual(['version']);
  });

  it('takes bodies over 1 MiB on the upload routes only', async () => {
    const big = { format: 'corral.state', version: 1, padding: 'x'.repeat(2 * 1024 * 1024) };
    const imported = await api.call('POST', '/api/v1/state/import', { body: big });
    expect(imported.statusCode).toBe(400);
    expect(fieldsOf(imported)).toEqual(['checksum']);
    const uploaded = await api.call('POST', `${URL}/restore`, { body: { document: big } });
    expect(uploaded.statusCode).toBe(400);
    const elsewhere = await api.call('POST', URL, {
      key: api.keys.operator,
      body: { name: 'x', scope: big },
    });
    expect(elsewhere.statusCode).toBe(413);
  });
});
