// ConfigurationService over real services: layer updates (validation naming the
// field, revisions as ETags, If-Match), revision history and diffs, an agent's
// desired configuration, and scopes that do not exist. Bulk updates and
// compliance summaries: configuration-bulk.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { MAX_LAYER_BYTES } from './agent-configuration.js';
import type { ConfigurationService } from './configuration-service.js';
import {
  agentScope,
  auditOf,
  eventsOf,
  failure,
  fieldsOf,
  FLEET,
  openConfigurationTest,
  OPERATOR,
  type ConfigurationTest,
} from './configuration.fixtures.js';
import { configurationHash, effectiveConfiguration } from './layering.js';

let c: ConfigurationTest;
let config: ConfigurationService;

beforeEach(async () => {
  c = await openConfigurationTest(['a1', 'a2']);
  config = c.t.services.configuration;
});
afterEach(() => c.close());

const put = (document: unknown, ifMatch?: number, reason?: unknown) =>
  config.updateLayer(OPERATOR, FLEET, { document, ...(reason === undefined ? {} : { reason }) }, ifMatch);

describe('ConfigurationService.updateLayer', () => {
  it('starts every scope at revision 0 and moves it one revision per change', async () => {
    expect(await config.getLayer(FLEET)).toEqual({
      scope: FLEET,
      document: {},
      revision: 0,
      revisionId: null,
      updatedAt: null,
      updatedBy: null,
    });
    const first = await put({ logLevel: 'debug' }, undefined, 'louder');
    expect(first).toMatchObject({ document: { logLevel: 'debug' }, revision: 1, updatedBy: 'api_key:op' });
    expect(first.updatedAt).toBe(c.clock.now());
    c.clock.advance(1_000);
    const second = await put({ logLevel: 'warn' });
    expect(second.revision).toBe(2);
    expect(second.revisionId).not.toBe(first.revisionId);
    expect(await config.getLayer(FLEET)).toEqual(second);
    expect(await auditOf(c.t, 'configuration.update')).toEqual([
      ['success', null],
      ['success', null],
    ]);
  });

  it.each([
    [
      'a value out of range',
      { connectionLimits: { maxConnections: 0 } },
      'document.connectionLimits.maxConnections',
    ],
    ['a wrong type', { reportIntervalSeconds: '5' }, 'document.reportIntervalSeconds'],
    [
      'a fraction where a whole number goes',
      { bufferSizes: { maxBatchSize: 1.5 } },
      'document.bufferSizes.maxBatchSize',
    ],
    ['an unknown log level', { logLevel: 'loud' }, 'document.logLevel'],
    ['a sample rate above 1', { tracing: { sampleRate: 2 } }, 'document.tracing.sampleRate'],
    ['an unknown field', { logLevl: 'debug' }, 'document.logLevl'],
    ['an unknown section field', { metrics: { enable: true } }, 'document.metrics.enable'],
    ['a bad metadata key', { metadata: { 'bad key': 'x' } }, 'document.metadata.bad key'],
    ['no document', undefined, 'document'],
    ['a document that is not an object', [1], 'document'],
  ])('refuses %s naming the field, stores nothing and audits the refusal', async (_what, document, field) => {
    const error = await failure(put(document));
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.violations.map((v) => v.field)).toEqual([field]);
    expect((await config.getLayer(FLEET)).revision).toBe(0);
    expect(await auditOf(c.t, 'configuration.update')).toEqual([['failure', 'invalid_argument']]);
    expect(await eventsOf(c.t, 'config_updated')).toEqual([]);
  });

  it('refuses a document over the size cap, and a reason that is not short text', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`key-${i}`, 'v'.repeat(256)]));
    expect(JSON.stringify({ metadata }).length).toBeGreaterThan(MAX_LAYER_BYTES);
    expect(await fieldsOf(put({ metadata }))).toEqual(['document']);
    expect(await fieldsOf(put({ logLevel: 'info' }, undefined, 42))).toEqual(['reason']);
    expect(await fieldsOf(put({ logLevel: 'info' }, undefined, 'x'.repeat(513)))).toEqual(['reason']);
    expect((await config.getLayer(FLEET)).revision).toBe(0);
  });

  it('applies If-Match: the revision read passes, a stale one fails precondition_failed and stores nothing', async () => {
    expect((await put({ logLevel: 'debug' }, 0)).revision).toBe(1);
    const stale = await failure(put({ logLevel: 'error' }, 0, 'late'));
    expect(stale.code).toBe(ErrorCode.PreconditionFailed);
    expect(stale.message).toContain('revision 0 (now 1)');
    expect(await config.getLayer(FLEET)).toMatchObject({ revision: 1, document: { logLevel: 'debug' } });
    expect((await config.revisions(FLEET, { limit: 10 })).items).toHaveLength(1);
    expect((await eventsOf(c.t, 'config_updated')).length).toBe(1);
    expect((await put({ logLevel: 'error' }, 1)).revision).toBe(2);
  });

  it('emits config_updated with the scope, revision, reason and diff', async () => {
    await put({ logLevel: 'debug' }, undefined, 'louder');
    await config.updateLayer(
      OPERATOR,
      agentScope('a1'),
      { document: { reportIntervalSeconds: 5 } },
      undefined,
    );
    const events = await eventsOf(c.t, 'config_updated');
    expect(events.map((e) => [e.subject, e.actor, e.data.revision, e.data.reason])).toEqual([
      [{ kind: 'configuration', id: 'fleet' }, 'api_key:op', 1, 'louder'],
      [{ kind: 'configuration', id: 'agent:a1' }, 'api_key:op', 1, ''],
    ]);
    expect(events[0]?.data.diff).toEqual([{ path: 'logLevel', to: 'debug' }]);
  });
});

describe('revisions and diffs', () => {
  it('keeps every revision with its author, reason and diff against the previous one, newest first', async () => {
    const r1 = await put({ logLevel: 'debug', metrics: { enabled: false } }, undefined, 'first');
    c.clock.advance(1_000);
    const r2 = await put({ logLevel: 'warn', reportIntervalSeconds: 5 }, undefined, 'second');
    const { items, nextAfterId } = await config.revisions(FLEET, { limit: 10 });
    expect(nextAfterId).toBeUndefined();
    expect(items.map((r) => [r.id, r.revision, r.author, r.reason])).toEqual([
      [r2.revisionId, 2, 'api_key:op', 'second'],
      [r1.revisionId, 1, 'api_key:op', 'first'],
    ]);
    expect(items[0]?.diff).toEqual([
      { path: 'logLevel', from: 'debug', to: 'warn' },
      { path: 'metrics', from: { enabled: false } },
      { path: 'reportIntervalSeconds', to: 5 },
    ]);
    expect(items[0]?.createdAt).toBe(items[1]!.createdAt + 1_000);
    const page = await config.revisions(FLEET, { limit: 1 });
    expect(page.items.map((r) => r.revision)).toEqual([2]);
    expect((await config.revisions(FLEET, { afterId: page.nextAfterId!, limit: 1 })).items[0]?.id).toBe(
      r1.revisionId,
    );
  });

  it('diffs any two revisions, of one scope or of two, and names an unknown revision', async () => {
    const r1 = await put({ logLevel: 'debug', metadata: { site: 'a' } });
    await put({ logLevel: 'info' });
    const r3 = await put({ logLevel: 'warn', metadata: { site: 'b', team: 'x' } });
    expect(await config.diff(r1.revisionId!, r3.revisionId!)).toEqual([
      { path: 'logLevel', from: 'debug', to: 'warn' },
      { path: 'metadata.site', from: 'a', to: 'b' },
      { path: 'metadata.team', to: 'x' },
    ]);
    expect(await config.diff(r3.revisionId!, r3.revisionId!)).toEqual([]);
    const own = await config.updateLayer(OPERATOR, agentScope('a1'), { document: { logLevel: 'warn' } }, 0);
    expect(await config.diff(r3.revisionId!, own.revisionId!)).toEqual([
      { path: 'metadata', from: { site: 'b', team: 'x' } },
    ]);
    expect((await failure(config.diff(r1.revisionId!, 'nope'))).code).toBe(ErrorCode.NotFound);
    expect((await failure(config.getRevision('nope'))).code).toBe(ErrorCode.NotFound);
    expect((await config.getRevision(r1.revisionId!)).document).toEqual({
      logLevel: 'debug',
      metadata: { site: 'a' },
    });
  });
});

describe('ConfigurationService.agentView', () => {
  it('shows the desired configuration layered fleet then agent, with its layers, before anything was sent', async () => {
    const fleet = await put({
      logLevel: 'debug',
      reportIntervalSeconds: 30,
      metadata: { site: 'hq', team: 'x' },
    });
    const own = await config.updateLayer(
      OPERATOR,
      agentScope('a1'),
      { document: { reportIntervalSeconds: 5, metadata: { team: null } } },
      undefined,
    );
    const view = await config.agentView('a1');
    const expected = effectiveConfiguration([fleet.document, own.document]);
    expect(expected).toMatchObject({ logLevel: 'debug', reportIntervalSeconds: 5, metadata: { site: 'hq' } });
    expect(view).toEqual({
      agentId: 'a1',
      desired: {
        config: expected,
        hash: configurationHash(expected),
        layers: [
          { scope: FLEET, revision: 1, revisionId: fleet.revisionId },
          { scope: agentScope('a1'), revision: 1, revisionId: own.revisionId },
        ],
      },
      layer: own,
      state: undefined,
      upToDate: false,
    });
    const other = await config.agentView('a2');
    expect(other.desired.config).toEqual(effectiveConfiguration([fleet.document]));
    expect(other.layer.revision).toBe(0);
  });

  it('refuses an agent that is not enrolled with not_found', async () => {
    expect((await failure(config.agentView('ghost'))).code).toBe(ErrorCode.NotFound);
    const refused = await failure(
      config.updateLayer(OPERATOR, agentScope('ghost'), { document: { logLevel: 'debug' } }, undefined),
    );
    expect(refused.code).toBe(ErrorCode.NotFound);
    expect(await eventsOf(c.t, 'config_updated')).toEqual([]);
  });
});

// Group scopes: with or without the groups feature wired, a group nobody created does not exist.
describe('a group that does not exist', () => {
  const scope = { kind: 'group', id: 'never-created' } as const;

  it('has no layer to read, write, update in bulk or assess', async () => {
    expect((await failure(config.getLayer(scope))).code).toBe(ErrorCode.NotFound);
    const write = await failure(config.updateLayer(OPERATOR, scope, { document: { logLevel: 'debug' } }, 0));
    expect(write.code).toBe(ErrorCode.NotFound);
    const bulk = await failure(
      config.bulkUpdate(OPERATOR, {
        target: { kind: 'group', groupId: scope.id },
        patch: { logLevel: 'debug' },
      }),
    );
    expect(bulk.code).toBe(ErrorCode.NotFound);
    expect((await failure(config.groupCompliance(scope.id))).code).toBe(ErrorCode.NotFound);
    expect(await c.t.backends.db.configuration.getLayer(scope)).toBeUndefined();
    expect(await eventsOf(c.t, 'config_updated')).toEqual([]);
  });
});
