// Restores that must not happen, and uploads: a downloaded document restores
// as the stored backup does; damaged or edited documents (checksum, format,
// version, schema, truncated JSON, parts that disagree) and a stored backup
// changed behind the server's back are refused with a clear error naming the
// field, and nothing changes; a backup naming a group or policy that is gone
// is refused unless skipMissing; an interrupted restore is audited as such.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestServices } from '../../app/test-services.js';
import { CorralError } from '../../shared/errors.js';
import { EventFactory } from '../events/event-factory.js';
import { EventType } from '../events/event.js';
import type { BackupDocument } from './backup-document.js';
import { BackupService } from './backup-service.js';
import { assignmentsOf, auditOf, eventsOf, layersOf, openFleet, type Fleet } from './backup.fixtures.js';
import { checksumOf } from './sealed-document.js';

let f: Fleet;
let t: TestServices;
beforeEach(async () => {
  f = await openFleet();
  t = f.t;
});
afterEach(() => t.close());

async function failure(promise: Promise<unknown>): Promise<CorralError> {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  if (error instanceof CorralError) return error;
  throw error;
}

const snapshot = async () => ({
  layers: await layersOf(t),
  assignments: await assignmentsOf(t),
  updates: (await eventsOf(t, EventType.ConfigUpdated)).length,
});

async function fleetBackupText(): Promise<string> {
  const backup = await t.services.backups.create(t.admin, { name: 'b', scope: 'fleet' });
  await t.services.configuration.updateLayer(
    t.admin,
    { kind: 'fleet' },
    { document: { logLevel: 'warn' } },
    undefined,
  );
  return (await t.services.backups.getRecord(backup.id)).document;
}

const resealed = (document: BackupDocument): BackupDocument => ({
  ...document,
  checksum: checksumOf(document.content),
});

describe('restoring an uploaded backup document', () => {
  it('restores a downloaded document, given as text or as JSON, like the stored backup', async () => {
    const text = await fleetBackupText();
    const dry = await t.services.backups.restoreUpload(t.admin, { document: text, dryRun: true });
    expect(dry).toMatchObject({
      uploaded: true,
      dryRun: true,
      layers: [{ scope: 'fleet', fromRevision: 2 }],
    });
    const done = await t.services.backups.restoreUpload(t.admin, { document: JSON.parse(text) });
    expect(done.layers).toMatchObject([{ scope: 'fleet', revision: 3 }]);
    expect((await layersOf(t)).fleet?.document).toEqual({ logLevel: 'debug' });
    expect((await eventsOf(t, EventType.BackupRestored))[0]?.data).toMatchObject({
      uploaded: true,
      layers: 1,
    });
  });

  it.each<[string, string, (text: string) => unknown]>([
    [
      'a changed value (checksum mismatch)',
      'document.checksum',
      (text) => {
        const d = JSON.parse(text) as BackupDocument;
        return {
          ...d,
          content: { ...d.content, layers: [{ ...d.content.layers[0], document: { logLevel: 'trace' } }] },
        };
      },
    ],
    ['another format', 'document.format', (text) => ({ ...JSON.parse(text), format: 'corral.state' })],
    ['a newer version', 'document.version', (text) => ({ ...JSON.parse(text), version: 2 })],
    ['no checksum', 'document.checksum', (text) => ({ ...JSON.parse(text), checksum: undefined })],
    [
      'a schema violation under a valid checksum',
      'document.content.layers.0.document.logLevel',
      (text) => {
        const d = JSON.parse(text) as BackupDocument;
        const layers = d.content.layers.map((l, i) =>
          i === 0 ? { ...l, document: { logLevel: 'loud' } } : l,
        );
        return resealed({ ...d, content: { ...d.content, layers } as BackupDocument['content'] });
      },
    ],
    ['an unknown member', 'document.comment', (text) => ({ ...JSON.parse(text), comment: 'mine' })],
    [
      'parts that disagree (the scope)',
      'document.content.scope',
      (text) => {
        const d = JSON.parse(text) as BackupDocument;
        return resealed({ ...d, content: { ...d.content, scope: 'agent:a1' } });
      },
    ],
    ['truncated JSON', 'document', (text) => text.slice(0, Math.floor(text.length / 2))],
    ['not an object', 'document', () => [1, 2]],
  ])('refuses %s, naming %s, and changes nothing', async (_what, field, damage) => {
    const text = await fleetBackupText();
    const before = await snapshot();
    const error = await failure(t.services.backups.restoreUpload(t.admin, { document: damage(text) }));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toMatch(/^not a valid backup/);
    expect(error.violations.map((v) => v.field)).toContain(field);
    expect(await snapshot()).toEqual(before);
    expect(await auditOf(t, 'backup.restore')).toEqual([['failure', 'invalid_argument']]);
  });

  it('refuses a body without a document, or with unknown options', async () => {
    for (const body of [{ dryRun: true }, { document: {}, force: true }, null]) {
      const error = await failure(t.services.backups.restoreUpload(t.admin, body));
      expect(error.code).toBe('invalid_argument');
    }
  });
});

describe('refusing a stored backup', () => {
  it('refuses a stored backup whose document was changed behind the server (412) for get, diff and restore', async () => {
    const text = await fleetBackupText();
    const original = JSON.parse(text) as BackupDocument;
    const tampered = JSON.stringify({
      ...original,
      id: 'tampered',
      content: { ...original.content, layers: [] },
    });
    await t.backends.db.backups.insert({
      id: 'tampered',
      name: 'b',
      scope: 'fleet',
      createdAt: 0,
      createdBy: 'x',
      checksum: original.checksum,
      size: tampered.length,
      document: tampered,
    });
    const before = await snapshot();
    for (const call of [
      () => t.services.backups.get('tampered'),
      () => t.services.backups.diff('tampered'),
      () => t.services.backups.restore(t.admin, 'tampered', {}),
    ]) {
      const error = await failure(call());
      expect(error.code).toBe('precondition_failed');
      expect(error.message).toMatch(/^backup tampered failed verification.*checksum/);
      expect(error.violations.map((v) => v.field)).toEqual(['checksum']);
    }
    expect(await snapshot()).toEqual(before);
    expect(await auditOf(t, 'backup.restore')).toEqual([['failure', 'precondition_failed']]);
    expect((await failure(t.services.backups.restore(t.admin, 'none', {}))).code).toBe('not_found');
  });

  it('refuses a backup naming a deleted group or policy, changing nothing, unless skipMissing', async () => {
    const group = await t.services.backups.create(t.admin, { name: 'g', scope: `group:${f.staticGroup}` });
    await t.services.configuration.updateLayer(
      t.admin,
      { kind: 'agent', id: 'a2' },
      { document: { logLevel: 'trace' } },
      undefined,
    );
    await t.services.policies.delete(t.admin, f.p1, { force: true });
    await t.services.groups.delete(t.admin, f.staticGroup);
    const before = await snapshot();

    const refused = await failure(t.services.backups.restore(t.admin, group.id, {}));
    expect(refused.code).toBe('precondition_failed');
    expect(refused.message).toContain(`group ${f.staticGroup}`);
    expect(refused.message).toContain(`policy ${f.p1}`);
    expect(refused.violations.map((v) => v.field).sort()).toEqual(
      [`group:${f.staticGroup}`, `policy:${f.p1}`].sort(),
    );
    expect(await snapshot()).toEqual(before);

    const { comparison } = await t.services.backups.diff(group.id);
    expect(comparison.missing).toHaveLength(2);

    const partial = await t.services.backups.restore(t.admin, group.id, { skipMissing: true });
    expect(partial.skipped.map((m) => m.kind).sort()).toEqual(['group', 'policy']);
    expect(partial.layers.map((l) => l.scope)).toEqual(['agent:a2']);
    expect((await layersOf(t))['agent:a2']).toEqual({ revision: 2, document: {} });
    expect(await auditOf(t, 'backup.restore')).toEqual([
      ['failure', 'precondition_failed'],
      ['success', null],
    ]);
  });
});

describe('an interrupted restore', () => {
  it('keeps the steps done, and says so in the audit entry of the failure', async () => {
    const backup = await t.services.backups.create(t.admin, { name: 'b', scope: 'fleet' });
    for (const scope of [{ kind: 'fleet' } as const, { kind: 'agent', id: 'a1' } as const])
      await t.services.configuration.updateLayer(t.admin, scope, { document: {} }, undefined);
    let calls = 0;
    const ids = { next: () => `restore-${String(++calls).padStart(4, '0')}` };
    const failing = new BackupService({
      db: t.backends.db,
      auditor: t.services.auditor,
      events: new EventFactory(ids, t.clock),
      ids,
      clock: t.clock,
      policies: t.services.policies,
      configuration: {
        updateLayer: async (
          ...args: Parameters<TestServices['services']['configuration']['updateLayer']>
        ) => {
          if (args[1].kind === 'agent') throw new CorralError('precondition_failed', 'changed meanwhile');
          return t.services.configuration.updateLayer(...args);
        },
      },
    });
    expect((await failure(failing.restore(t.admin, backup.id, {}))).code).toBe('precondition_failed');
    expect((await layersOf(t)).fleet).toEqual({ revision: 3, document: { logLevel: 'debug' } });
    const [entry] = (await t.services.audit.list({ action: 'backup.restore' }, { limit: 5 })).items;
    expect(entry).toMatchObject({ outcome: 'failure', details: { interrupted: true, layersRestored: 1 } });
    expect(await eventsOf(t, EventType.BackupRestored)).toHaveLength(0);
  });
});
