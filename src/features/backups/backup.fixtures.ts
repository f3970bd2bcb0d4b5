// A small fleet for the backup, restore and state transfer tests, set up
// through the real services on in-memory SQLite: three agents, a static group
// (a1, a2) and a dynamic one (env=prod), two policies, layers at every scope,
// assignments to an agent and to groups, and a registered command type.
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import type { EventType } from '../events/event.js';

export const POLICY_BODY = {
  mode: 'enforce',
  defaultAction: 'allow',
  rules: [{ id: 'r1', match: { cidrs: ['203.0.113.0/24'] }, action: 'block' }],
};

export interface Fleet {
  readonly t: TestServices;
  readonly clock: FakeClock;
  readonly staticGroup: string;
  readonly dynamicGroup: string;
  readonly p1: string;
  readonly p2: string;
}

/** Agents a1, a2 (env=dev) and p3 (env=prod) and everything the file header says. */
export async function openFleet(): Promise<Fleet> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const t = await openTestServices({ clock });
  const { services, admin } = t;
  for (const id of ['a1', 'a2', 'p3'])
    await enrollTestAgent(t, id, { labels: { env: id.startsWith('p') ? 'prod' : 'dev' } });
  const staticGroup = (await services.groups.create(admin, { name: 'web', kind: 'static', priority: 5 })).id;
  await services.groups.addMembers(admin, staticGroup, { agentIds: ['a1', 'a2'] });
  const dynamicGroup = (
    await services.groups.create(admin, { name: 'prod', kind: 'dynamic', selector: { env: 'prod' } })
  ).id;
  const p1 = (await services.policies.create(admin, { name: 'edge', ...POLICY_BODY })).id;
  const p2 = (await services.policies.create(admin, { name: 'monitor', ...POLICY_BODY, mode: 'monitor' })).id;
  await services.policies.assign(admin, p1, { agentIds: ['a1'], groupIds: [staticGroup] });
  await services.policies.assign(admin, p2, { agentIds: ['p3'] });
  const config = services.configuration;
  await config.updateLayer(admin, { kind: 'fleet' }, { document: { logLevel: 'debug' } }, undefined);
  await config.updateLayer(
    admin,
    { kind: 'group', id: staticGroup },
    { document: { metrics: { detailed: true } } },
    undefined,
  );
  await config.updateLayer(
    admin,
    { kind: 'agent', id: 'a1' },
    { document: { reportIntervalSeconds: 5 } },
    undefined,
  );
  await services.commandTypes.register(admin, { name: 'custom:rotate', schema: { type: 'object' } });
  clock.advance(60_000);
  return { t, clock, staticGroup, dynamicGroup, p1, p2 };
}

export async function eventsOf(t: TestServices, type: EventType) {
  return (await t.backends.db.events.list({ types: [type] }, { limit: 500, order: 'asc' })).items;
}

export async function auditOf(t: TestServices, action: string) {
  return (await t.services.audit.list({ action }, { limit: 50 })).items.map((a) => [a.outcome, a.errorCode]);
}

/** Every layer as `scope@revision: document`, to see what changed and what did not. */
export async function layersOf(t: TestServices) {
  return Object.fromEntries(
    (await t.backends.db.backups.allLayers()).map((l) => [
      l.scope.kind === 'fleet' ? 'fleet' : `${l.scope.kind}:${l.scope.id}`,
      { revision: l.revision, document: l.document },
    ]),
  );
}

/** Every assignment as `policyId→kind:id`. */
export async function assignmentsOf(t: TestServices) {
  return (await t.backends.db.backups.allAssignments()).map(
    (a) => `${a.policyId}→${a.target.kind}:${a.target.id}`,
  );
}
