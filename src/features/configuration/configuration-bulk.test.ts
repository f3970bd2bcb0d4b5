// ConfigurationService.bulkUpdate (BulkUpdateAgentConfiguration: by ids or a
// label selector, validated once, all or nothing, one audit entry, an event per
// agent) and the compliance summaries.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import type { ConfigurationService } from './configuration-service.js';
import {
  agentScope,
  auditOf,
  eventsOf,
  failure,
  fieldsOf,
  openConfigurationTest,
  OPERATOR,
  type ConfigurationTest,
} from './configuration.fixtures.js';
import type { Compliance, DesiredState } from './desired-state.js';

let c: ConfigurationTest;
let config: ConfigurationService;

// Agents whose id starts with p are labelled env=prod, the others env=dev.
beforeEach(async () => {
  c = await openConfigurationTest(['p1', 'p2', 'd1']);
  config = c.t.services.configuration;
});
afterEach(() => c.close());

const ownLayer = (id: string) => config.getLayer(agentScope(id));
const byIds = (agentIds: unknown, patch: unknown = { logLevel: 'debug' }, reason?: unknown) =>
  config.bulkUpdate(OPERATOR, {
    target: { kind: 'agents', agentIds },
    patch,
    ...(reason === undefined ? {} : { reason }),
  });

describe('ConfigurationService.bulkUpdate', () => {
  it("merges the patch into each agent's own layer, one revision each, one audit entry, an event per agent", async () => {
    await config.updateLayer(
      OPERATOR,
      agentScope('p1'),
      {
        document: { logLevel: 'warn', connectionLimits: { maxConnections: 5 }, metadata: { a: '1', b: '2' } },
      },
      undefined,
    );
    const results = await byIds(
      ['p1', 'd1'],
      { connectionLimits: { connectTimeoutSeconds: 3 }, metadata: { b: null, c: '3' } },
      'tighten timeouts',
    );
    expect(results.map((r) => [r.agentId, r.revision])).toEqual([
      ['p1', 2],
      ['d1', 1],
    ]);
    expect((await ownLayer('p1')).document).toEqual({
      logLevel: 'warn',
      connectionLimits: { maxConnections: 5, connectTimeoutSeconds: 3 },
      metadata: { a: '1', b: null, c: '3' },
    });
    expect((await ownLayer('d1')).document).toEqual({
      connectionLimits: { connectTimeoutSeconds: 3 },
      metadata: { b: null, c: '3' },
    });
    expect((await ownLayer('p2')).revision).toBe(0);
    const revision = await config.getRevision(results[0]!.revisionId);
    expect(revision).toMatchObject({ author: 'api_key:op', reason: 'tighten timeouts', revision: 2 });
    expect(revision.diff.map((d) => d.path)).toEqual([
      'connectionLimits.connectTimeoutSeconds',
      'metadata.b',
      'metadata.c',
    ]);

    expect(await auditOf(c.t, 'configuration.bulk_update')).toEqual([['success', null]]);
    const events = await eventsOf(c.t, 'config_updated');
    expect(events.map((e) => [e.subject.id, e.data.revision])).toEqual([
      ['agent:p1', 1],
      ['agent:p1', 2],
      ['agent:d1', 1],
    ]);
  });

  it('updates the enrolled agents a label selector matches, and only those', async () => {
    const results = await config.bulkUpdate(OPERATOR, {
      target: { kind: 'selector', labels: { env: 'prod' } },
      patch: { reportIntervalSeconds: 7 },
    });
    expect(results.map((r) => r.agentId).sort()).toEqual(['p1', 'p2']);
    expect((await ownLayer('p2')).document).toEqual({ reportIntervalSeconds: 7 });
    expect((await ownLayer('d1')).revision).toBe(0);
    const none = await failure(
      config.bulkUpdate(OPERATOR, { target: { kind: 'selector', labels: { env: 'qa' } }, patch: {} }),
    );
    expect(none.violations.map((v) => v.field)).toEqual(['target']);
  });

  it('refuses unknown agents naming each by its index, and writes nothing for any agent', async () => {
    const error = await failure(byIds(['p1', 'ghost', 'd1', 'ghost-2']));
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.violations.map((v) => v.field)).toEqual(['target.agentIds.1', 'target.agentIds.3']);
    expect(await fieldsOf(byIds(['p1', 'p1', 'ghost']))).toEqual(['target.agentIds.2']);
    for (const id of ['p1', 'd1']) expect((await ownLayer(id)).revision).toBe(0);
    expect(await eventsOf(c.t, 'config_updated')).toEqual([]);
    expect(await auditOf(c.t, 'configuration.bulk_update')).toEqual([
      ['failure', 'invalid_argument'],
      ['failure', 'invalid_argument'],
    ]);
  });

  it.each([
    ['an invalid patch value', ['p1'], { logLevel: 'loud' }, undefined, ['patch.logLevel']],
    ['an unknown patch field', ['p1'], { colour: 'red' }, undefined, ['patch.colour']],
    ['an empty id list', [], {}, undefined, ['target.agentIds']],
    ['a bad reason', ['p1'], {}, 7, ['reason']],
  ])('refuses %s naming the field', async (_what, ids, patch, reason, fields) => {
    expect(await fieldsOf(byIds(ids, patch, reason))).toEqual(fields);
    expect((await ownLayer('p1')).revision).toBe(0);
  });

  it('refuses a request without a patch naming patch', async () => {
    expect(
      await fieldsOf(config.bulkUpdate(OPERATOR, { target: { kind: 'agents', agentIds: ['p1'] } })),
    ).toEqual(['patch']);
  });

  it('refuses a target of unknown kind naming target.kind', async () => {
    expect(await fieldsOf(config.bulkUpdate(OPERATOR, { target: { kind: 'everyone' }, patch: {} }))).toEqual([
      'target.kind',
    ]);
  });
});

const T0 = Date.UTC(2026, 0, 1);
const stateOf = (agentId: string, compliance: Compliance): DesiredState => {
  const part = {
    desiredHash: 'a'.repeat(64),
    sentAt: T0,
    appliedHash: null,
    status: 'sent' as const,
    error: null,
    reportedAt: null,
  };
  return { agentId, config: part, policy: part, compliance, complianceReason: '', complianceChangedAt: T0 };
};

describe('ConfigurationService.compliance', () => {
  it('counts enrolled agents never sent anything as unknown', async () => {
    expect(await config.compliance()).toEqual({
      total: 3,
      byCompliance: { unknown: 3, pending: 0, compliant: 0, non_compliant: 0 },
      compliantPercent: 0,
    });
  });

  it('counts agents by compliance over the fleet and over given agents, with the compliant share', async () => {
    await c.t.backends.db.configuration.writeDesiredStates([
      stateOf('p1', 'compliant'),
      stateOf('p2', 'non_compliant'),
    ]);
    expect(await config.compliance()).toEqual({
      total: 3,
      byCompliance: { unknown: 1, pending: 0, compliant: 1, non_compliant: 1 },
      compliantPercent: 33.3,
    });
    expect(await config.compliance(['p1'])).toEqual({
      total: 1,
      byCompliance: { unknown: 0, pending: 0, compliant: 1, non_compliant: 0 },
      compliantPercent: 100,
    });
    expect((await config.compliance(['p1', 'd1'])).byCompliance).toMatchObject({ unknown: 1, compliant: 1 });
  });

  it('leaves unregistered agents out of the fleet counts', async () => {
    await c.t.backends.db.configuration.writeDesiredStates([
      stateOf('p1', 'compliant'),
      stateOf('p2', 'pending'),
    ]);
    await c.t.services.agents.unregister(c.t.admin, 'p1');
    expect(await config.compliance()).toEqual({
      total: 2,
      byCompliance: { unknown: 1, pending: 1, compliant: 0, non_compliant: 0 },
      compliantPercent: 0,
    });
  });
});
