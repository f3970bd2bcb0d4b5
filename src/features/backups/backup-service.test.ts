// BackupService over real services: a backup holds the layers and assignments
// of its scope; after changes, the diff shows them field by field; a dry run
// changes nothing; a restore writes the layers back as new revisions (history
// grows, config_updated events, audit entries) and the assignments back, with
// one backup_restored event; restoring again finds nothing to do.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestServices } from '../../app/test-services.js';
import type { RequestContext } from '../audit/audited.js';
import { EventType } from '../events/event.js';
import {
  assignmentsOf,
  auditOf,
  eventsOf,
  layersOf,
  openFleet,
  POLICY_BODY,
  type Fleet,
} from './backup.fixtures.js';

let f: Fleet;
let t: TestServices;
let admin: RequestContext;
beforeEach(async () => {
  f = await openFleet();
  t = f.t;
  admin = t.admin;
});
afterEach(() => t.close());

const OPERATOR: RequestContext = {
  principal: { actor: 'api_key:op', name: 'op', role: 'operator' },
  requestId: 'r',
};

/** Changes every scope's layer and the assignments after the backups were made. */
async function changeEverything() {
  const config = t.services.configuration;
  await config.updateLayer(admin, { kind: 'fleet' }, { document: { logLevel: 'warn' } }, undefined);
  await config.updateLayer(admin, { kind: 'group', id: f.staticGroup }, { document: {} }, undefined);
  await config.updateLayer(
    admin,
    { kind: 'agent', id: 'a1' },
    { document: { reportIntervalSeconds: 9, logLevel: 'error' } },
    undefined,
  );
  await config.updateLayer(
    admin,
    { kind: 'agent', id: 'a2' },
    { document: { logLevel: 'trace' } },
    undefined,
  );
  await t.services.policies.unassign(admin, f.p1, { kind: 'agent', id: 'a1' });
  await t.services.policies.assign(admin, f.p2, { groupIds: [f.staticGroup] });
  await t.services.policies.update(admin, f.p1, { name: 'edge', ...POLICY_BODY, reason: 'v2' });
}

describe('BackupService.create', () => {
  it('captures the layers and assignments of each scope, checksummed, with an event and an audit entry', async () => {
    const fleet = await t.services.backups.create(OPERATOR, { name: 'nightly', scope: 'fleet' });
    expect(fleet).toMatchObject({ name: 'nightly', scope: 'fleet', createdBy: 'api_key:op' });
    expect(fleet.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(fleet.size).toBe(Buffer.byteLength(fleet.document));
    const { document } = await t.services.backups.get(fleet.id);
    expect(document.content.layers.map((l) => [l.scope, l.revision, l.document])).toEqual([
      ['fleet', 1, { logLevel: 'debug' }],
      [`group:${f.staticGroup}`, 1, { metrics: { detailed: true } }],
      ['agent:a1', 1, { reportIntervalSeconds: 5 }],
    ]);
    expect(
      document.content.assignments.map((a) => [a.policyName, a.policyVersion, a.targetKind, a.targetId]),
    ).toEqual(
      [
        ['edge', 1, 'agent', 'a1'],
        ['edge', 1, 'group', f.staticGroup],
        ['monitor', 1, 'agent', 'p3'],
      ].sort((a, b) => (String(a) < String(b) ? -1 : 1)),
    );

    const group = await t.services.backups.create(OPERATOR, { name: 'web', scope: `group:${f.staticGroup}` });
    const groupDoc = (await t.services.backups.get(group.id)).document;
    expect(groupDoc.content.members).toEqual(['a1', 'a2']);
    expect(groupDoc.content.layers.map((l) => l.scope)).toEqual([`group:${f.staticGroup}`, 'agent:a1']);
    expect(groupDoc.content.assignments.map((a) => a.targetId).sort()).toEqual(['a1', f.staticGroup].sort());

    const agent = await t.services.backups.create(OPERATOR, { name: 'p3', scope: 'agent:p3' });
    expect((await t.services.backups.get(agent.id)).document.content).toEqual({
      scope: 'agent:p3',
      layers: [],
      assignments: [
        { policyId: f.p2, policyName: 'monitor', policyVersion: 1, targetKind: 'agent', targetId: 'p3' },
      ],
    });

    expect((await eventsOf(t, EventType.BackupCreated)).map((e) => e.data.scope)).toEqual([
      'fleet',
      `group:${f.staticGroup}`,
      'agent:p3',
    ]);
    expect(await auditOf(t, 'backup.create')).toEqual([
      ['success', null],
      ['success', null],
      ['success', null],
    ]);
    const page = await t.services.backups.list({}, { limit: 2 });
    expect(page.items.map((b) => b.id)).toEqual([agent.id, group.id]);
    expect((await t.services.backups.list({ scope: 'fleet' }, { limit: 5 })).items.map((b) => b.id)).toEqual([
      fleet.id,
    ]);
  });

  it('refuses unknown scopes and bad names, naming the field, and audits the refusal', async () => {
    const refusal = (body: unknown) => t.services.backups.create(OPERATOR, body).catch((e: unknown) => e);
    await expect(refusal({ name: 'x', scope: 'agent:ghost' })).resolves.toMatchObject({ code: 'not_found' });
    await expect(refusal({ name: 'x', scope: 'group:nope' })).resolves.toMatchObject({ code: 'not_found' });
    await expect(refusal({ name: '', scope: 'fleet' })).resolves.toMatchObject({
      violations: [{ field: 'name' }],
    });
    await expect(refusal({ name: 'x', scope: 'planet' })).resolves.toMatchObject({
      violations: [{ field: 'scope' }],
    });
    expect((await auditOf(t, 'backup.create')).map(([outcome]) => outcome)).toEqual([
      'failure',
      'failure',
      'failure',
      'failure',
    ]);
  });
});

describe('diff, dry run and restore', () => {
  it('shows what changed since a fleet backup, changes nothing on a dry run, and restores it as new revisions', async () => {
    const backup = await t.services.backups.create(OPERATOR, { name: 'before', scope: 'fleet' });
    const before = { layers: await layersOf(t), assignments: await assignmentsOf(t) };
    await changeEverything();

    const { comparison } = await t.services.backups.diff(backup.id);
    expect(comparison.layers.map((l) => [l.scope, l.backup?.revision ?? null, l.current.revision])).toEqual([
      ['fleet', 1, 2],
      [`group:${f.staticGroup}`, 1, 2],
      ['agent:a1', 1, 2],
      ['agent:a2', null, 1],
    ]);
    expect(comparison.addedSince.map((a) => [a.policyId, a.targetId])).toEqual([[f.p2, f.staticGroup]]);
    expect(comparison.removedSince.map((a) => [a.policyId, a.targetId])).toEqual([[f.p1, 'a1']]);
    expect(comparison.policyVersions).toEqual([
      { policyId: f.p1, policyName: 'edge', backupVersion: 1, currentVersion: 2 },
    ]);
    expect(comparison.missing).toEqual([]);

    const changed = { layers: await layersOf(t), assignments: await assignmentsOf(t) };
    const updatesBefore = (await eventsOf(t, EventType.ConfigUpdated)).length;
    const dry = await t.services.backups.restore(admin, backup.id, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.layers.map((l) => [l.scope, l.fromRevision, l.revision])).toEqual([
      ['fleet', 2, undefined],
      [`group:${f.staticGroup}`, 2, undefined],
      ['agent:a1', 2, undefined],
      ['agent:a2', 1, undefined],
    ]);
    expect(dry.layers[0]?.changes).toEqual([{ path: 'logLevel', from: 'warn', to: 'debug' }]);
    expect(dry.layers[3]?.changes).toEqual([{ path: 'logLevel', from: 'trace' }]);
    expect(dry.assign.map((a) => a.targetId)).toEqual(['a1']);
    expect(dry.unassign.map((a) => a.targetId)).toEqual([f.staticGroup]);
    expect({ layers: await layersOf(t), assignments: await assignmentsOf(t) }).toEqual(changed);
    expect(await eventsOf(t, EventType.ConfigUpdated)).toHaveLength(updatesBefore);
    expect(await eventsOf(t, EventType.BackupRestored)).toHaveLength(0);

    const done = await t.services.backups.restore(admin, backup.id, {});
    expect(done.dryRun).toBe(false);
    expect(done.layers.map((l) => [l.scope, l.revision])).toEqual([
      ['fleet', 3],
      [`group:${f.staticGroup}`, 3],
      ['agent:a1', 3],
      ['agent:a2', 2],
    ]);
    const after = await layersOf(t);
    expect(after.fleet).toEqual({ revision: 3, document: before.layers.fleet?.document });
    expect(after[`group:${f.staticGroup}`]?.document).toEqual({ metrics: { detailed: true } });
    expect(after['agent:a1']?.document).toEqual({ reportIntervalSeconds: 5 });
    expect(after['agent:a2']).toEqual({ revision: 2, document: {} });
    expect(await assignmentsOf(t)).toEqual(before.assignments);
    const history = await t.services.configuration.revisions({ kind: 'fleet' }, { limit: 10 });
    expect(history.items.map((r) => [r.revision, r.reason])).toEqual([
      [3, `restored from backup "before" (${backup.id})`],
      [2, ''],
      [1, ''],
    ]);
    expect(await eventsOf(t, EventType.ConfigUpdated)).toHaveLength(updatesBefore + 4);
    const [restored] = await eventsOf(t, EventType.BackupRestored);
    expect(restored).toMatchObject({
      subject: { kind: 'backup', id: backup.id },
      actor: 'api_key:test-admin',
      data: { scope: 'fleet', layers: 4, assigned: 1, unassigned: 1, uploaded: false, skipped: [] },
    });
    expect(await auditOf(t, 'backup.restore')).toEqual([
      ['success', null],
      ['success', null],
    ]);
    const restoreUpdates = (await t.services.audit.list({ action: 'configuration.update' }, { limit: 50 }))
      .items;
    expect(restoreUpdates.filter((a) => a.actor === 'api_key:test-admin')).toHaveLength(
      restoreUpdates.length,
    );

    const again = await t.services.backups.restore(admin, backup.id, {});
    expect(again).toMatchObject({ layers: [], assign: [], unassign: [], unchangedLayers: 4 });
  });

  it('restores a group backup for the group and the members it had, and an agent backup for the agent', async () => {
    const group = await t.services.backups.create(OPERATOR, { name: 'web', scope: `group:${f.staticGroup}` });
    const agent = await t.services.backups.create(OPERATOR, { name: 'p3', scope: 'agent:p3' });
    await changeEverything();
    await t.services.configuration.updateLayer(
      admin,
      { kind: 'agent', id: 'p3' },
      { document: { logLevel: 'warn' } },
      undefined,
    );
    await t.services.policies.unassign(admin, f.p2, { kind: 'agent', id: 'p3' });

    const plan = await t.services.backups.restore(admin, group.id, {});
    expect(plan.layers.map((l) => l.scope)).toEqual([`group:${f.staticGroup}`, 'agent:a1', 'agent:a2']);
    expect(plan.assign.map((a) => a.targetId)).toEqual(['a1']);
    expect(plan.unassign.map((a) => [a.policyId, a.targetId])).toEqual([[f.p2, f.staticGroup]]);
    const layers = await layersOf(t);
    expect(layers.fleet?.document).toEqual({ logLevel: 'warn' });
    expect(layers['agent:p3']?.document).toEqual({ logLevel: 'warn' });

    await t.services.backups.restore(admin, agent.id, {});
    expect((await layersOf(t))['agent:p3']).toEqual({ revision: 2, document: {} });
    expect(await assignmentsOf(t)).toContain(`${f.p2}→agent:p3`);
  });
});
