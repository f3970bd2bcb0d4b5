// Disaster recovery through the services: export one instance, import into a
// fresh one (another in-memory database), and everything is there with the
// same ids — groups with their members, policies with every version,
// assignments, layers with their revisions, command types — and applies to
// an agent that enrolls again with its id. Imports into an instance that is
// not empty, and damaged documents, are refused with nothing changed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { CorralError } from '../../shared/errors.js';
import { EventType } from '../events/event.js';
import { auditOf, eventsOf, openFleet, POLICY_BODY, type Fleet } from './backup.fixtures.js';
import { checksumOf } from './sealed-document.js';
import type { StateDocument } from './state-document.js';

let f: Fleet;
let target: TestServices;
beforeEach(async () => {
  f = await openFleet();
  const { services, admin } = f.t;
  await services.policies.update(admin, f.p1, { name: 'edge', ...POLICY_BODY, reason: 'second' });
  await services.configuration.updateLayer(
    admin,
    { kind: 'fleet' },
    { document: { logLevel: 'warn' } },
    undefined,
  );
  await services.agents.unregister(admin, 'a2');
  target = await openTestServices();
});
afterEach(async () => {
  await f.t.close();
  await target.close();
});

const exportOf = (t: TestServices, history = false) => t.services.stateTransfer.export(t.admin, { history });

async function failure(promise: Promise<unknown>): Promise<CorralError> {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  if (error instanceof CorralError) return error;
  throw error;
}

describe('export, then import into an empty instance', () => {
  it('recreates everything with the same ids, and exporting again gives the same content', async () => {
    const exported = await exportOf(f.t);
    expect(exported).toMatchObject({ format: 'corral.state', version: 1, exportedBy: 'api_key:test-admin' });
    expect(exported.checksum).toBe(checksumOf(exported.content));
    expect(exported.content.groups.map((g) => [g.id, g.kind, g.members.map((m) => m.agentId)])).toEqual([
      [f.staticGroup, 'static', ['a1', 'a2']],
      [f.dynamicGroup, 'dynamic', []],
    ]);
    expect(exported.content.policies.find((p) => p.id === f.p1)?.versions.map((v) => v.version)).toEqual([
      1, 2,
    ]);
    expect(exported.content.revisions).toHaveLength(exported.content.layers.length);

    const result = await target.services.stateTransfer.import(
      target.admin,
      JSON.parse(JSON.stringify(exported)),
    );
    expect(result).toEqual({
      exportId: exported.id,
      checksum: exported.checksum,
      imported: {
        groups: 2,
        staticMembers: 2,
        policies: 2,
        policyVersions: 3,
        assignments: 3,
        layers: 3,
        revisions: 3,
        commandTypes: 1,
      },
      placeholderAgents: ['a1', 'a2'],
    });
    expect((await exportOf(target)).content).toEqual(exported.content);

    const { services } = target;
    expect(await services.groups.get(f.staticGroup)).toEqual(await f.t.services.groups.get(f.staticGroup));
    expect(await services.policies.get(f.p1)).toEqual(await f.t.services.policies.get(f.p1));
    expect((await services.policies.listVersions(f.p1, { limit: 5 })).items.map((v) => v.reason)).toEqual([
      'second',
      '',
    ]);
    expect(await services.configuration.getLayer({ kind: 'fleet' })).toEqual(
      await f.t.services.configuration.getLayer({ kind: 'fleet' }),
    );
    expect(services.commandTypes.registry().get('custom:rotate')).toBeDefined();
    expect((await eventsOf(target, EventType.StateImported))[0]).toMatchObject({
      subject: { kind: 'backup', id: exported.id },
      data: { groups: 2, placeholderAgents: 2 },
    });
    expect(await auditOf(target, 'state.import')).toEqual([['success', null]]);
    expect(await auditOf(f.t, 'state.export')).toEqual([['success', null]]);
  });

  it('applies agent layers, assignments and static membership when the agent enrolls again with its id', async () => {
    await target.services.stateTransfer.import(target.admin, await exportOf(f.t));
    expect((await target.services.agents.get('a1')).status).toBe('decommissioned');
    await enrollTestAgent(target, 'a1', { labels: { env: 'dev' } });
    expect((await target.services.groups.groupsOf('a1')).map((g) => g.id)).toEqual([f.staticGroup]);
    const view = await target.services.configuration.agentView('a1');
    expect(view.desired.config).toMatchObject({
      logLevel: 'warn',
      reportIntervalSeconds: 5,
      metrics: { detailed: true },
    });
    const effective = await target.services.policies.effectivePolicies('a1');
    expect(effective.policies.map((p) => p.policyId)).toEqual([f.p1]);
    await enrollTestAgent(target, 'p3', { labels: { env: 'prod' } });
    expect((await target.services.groups.groupsOf('p3')).map((g) => g.id)).toEqual([f.dynamicGroup]);
    expect((await target.services.policies.effectivePolicies('p3')).policies.map((p) => p.policyId)).toEqual([
      f.p2,
    ]);
  });

  it('carries every revision with history', async () => {
    const exported = await exportOf(f.t, true);
    expect(exported.content.history).toBe(true);
    expect(exported.content.revisions).toHaveLength(4);
    await target.services.stateTransfer.import(target.admin, exported);
    const history = await target.services.configuration.revisions({ kind: 'fleet' }, { limit: 10 });
    expect(history.items.map((r) => r.revision)).toEqual([2, 1]);
  });
});

describe('refused imports', () => {
  it('refuses an instance that is not empty, and changes nothing', async () => {
    const exported = await exportOf(f.t);
    await target.services.groups.create(target.admin, { name: 'already', kind: 'static' });
    const error = await failure(target.services.stateTransfer.import(target.admin, exported));
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toMatch(/not empty \(it holds 1 groups\)/);
    expect(await target.backends.db.backups.stateCounts()).toEqual({
      groups: 1,
      policies: 0,
      layers: 0,
      commandTypes: 0,
    });
    expect(await auditOf(target, 'state.import')).toEqual([['failure', 'precondition_failed']]);
  });

  const resealed = (d: StateDocument, content: unknown) => ({ ...d, content, checksum: checksumOf(content) });
  it.each<[string, string, (d: StateDocument) => unknown]>([
    ['a changed value', 'checksum', (d) => ({ ...d, content: { ...d.content, history: true } })],
    ['a backup instead of a state export', 'format', (d) => ({ ...d, format: 'corral.backup' })],
    ['another version', 'version', (d) => ({ ...d, version: 0 })],
    [
      'a schema violation under a valid checksum',
      'content.groups.0.priority',
      (d) => resealed(d, { ...d.content, groups: [{ ...d.content.groups[0], priority: 5000 }] }),
    ],
    [
      'an assignment naming a policy the document lacks',
      'content.assignments.0.policyId',
      (d) => resealed(d, { ...d.content, policies: d.content.policies.slice(1) }),
    ],
    [
      'a layer whose revision is missing',
      'content.layers.0.revisionId',
      (d) => resealed(d, { ...d.content, revisions: [] }),
    ],
    ['truncated JSON', '(root)', (d) => JSON.stringify(d).slice(0, 200)],
  ])('refuses %s, naming %s, and changes nothing', async (_what, field, damage) => {
    const error = await failure(
      target.services.stateTransfer.import(target.admin, damage(await exportOf(f.t))),
    );
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toMatch(/^not a valid state export/);
    expect(error.violations.map((v) => v.field)).toContain(field);
    expect(await target.backends.db.backups.stateCounts()).toEqual({
      groups: 0,
      policies: 0,
      layers: 0,
      commandTypes: 0,
    });
    expect(await auditOf(target, 'state.import')).toEqual([['failure', 'invalid_argument']]);
  });
});
