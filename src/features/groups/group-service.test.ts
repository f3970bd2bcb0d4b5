// GroupService: create, read, list, update and delete over real services on
// SQLite — validation naming fields, unique names, If-Match revisions, the
// events and audit entries every change commits with, and what deletion does.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import type { RequestContext } from '../audit/audited.js';
import type { GroupService } from './group-service.js';
import type { MembershipChange } from './membership-changes.js';

let t: TestServices;
let groups: GroupService;
let changes: MembershipChange[];
const operator: RequestContext = {
  principal: { actor: 'api_key:op', name: 'op', role: 'operator' },
  requestId: 'r1',
};

beforeEach(async () => {
  t = await openTestServices();
  groups = t.services.groups;
  changes = [];
  groups.onMembershipChanged((change) => changes.push(change));
});
afterEach(() => t.close());

async function failure(promise: Promise<unknown>): Promise<CorralError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}
const fields = (error: CorralError) => error.violations.map((v) => v.field);
const events = async (type: string) =>
  (await t.services.events.list({ types: [type as 'group_created'] }, { limit: 100, order: 'asc' })).items;
const audit = async () => (await t.services.audit.list({}, { limit: 100 })).items;

describe('GroupService.create', () => {
  it('creates static and dynamic groups with server ids, defaults, an event and an audit entry', async () => {
    const web = await groups.create(operator, { name: 'web', kind: 'static' });
    const prod = await groups.create(operator, {
      name: 'prod',
      kind: 'dynamic',
      selector: { env: 'prod' },
      priority: 10,
      description: 'production',
    });
    expect(web).toMatchObject({
      name: 'web',
      kind: 'static',
      selector: null,
      priority: 0,
      description: '',
      revision: 1,
      createdBy: 'api_key:op',
    });
    expect(web.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(prod.id > web.id).toBe(true);
    expect(await groups.get(prod.id)).toEqual(prod);
    expect((await events('group_created')).map((e) => [e.subject, e.data])).toEqual([
      [
        { kind: 'group', id: web.id },
        { name: 'web', kind: 'static', selector: null, priority: 0, revision: 1 },
      ],
      [
        { kind: 'group', id: prod.id },
        { name: 'prod', kind: 'dynamic', selector: { env: 'prod' }, priority: 10, revision: 1 },
      ],
    ]);
    const entry = (await audit()).find((a) => a.targetId === prod.id);
    expect(entry).toMatchObject({ action: 'group.create', outcome: 'success', details: { kind: 'dynamic' } });
  });

  it.each([
    [{ kind: 'static' }, ['name']],
    [{ name: '  ', kind: 'static' }, ['name']],
    [{ name: 'x\u0007y', kind: 'static' }, ['name']],
    [{ name: 'x', kind: 'smart' }, ['kind']],
    [{ name: 'x', kind: 'dynamic' }, ['selector']],
    [{ name: 'x', kind: 'dynamic', selector: {} }, ['selector']],
    [{ name: 'x', kind: 'dynamic', selector: { 'bad key!': 'v' } }, ['selector.bad key!']],
    [{ name: 'x', kind: 'static', selector: { env: 'prod' } }, ['selector']],
    [{ name: 'x', kind: 'static', priority: 1001 }, ['priority']],
    [{ name: 'x', kind: 'static', priority: 1.5 }, ['priority']],
    [{ name: 'x', kind: 'static', members: [] }, ['members']],
  ])('refuses %j naming %j, and audits the refusal', async (body, named) => {
    const error = await failure(groups.create(operator, body));
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(fields(error)).toEqual(named);
    expect((await audit()).at(-1)).toMatchObject({ action: 'group.create', outcome: 'failure' });
  });

  it('refuses a taken name with already_exists (409)', async () => {
    await groups.create(operator, { name: 'web', kind: 'static' });
    const error = await failure(
      groups.create(operator, { name: 'web', kind: 'dynamic', selector: { a: 'b' } }),
    );
    expect(error.code).toBe(ErrorCode.AlreadyExists);
    expect(error.message).toContain('"web"');
    expect((await audit()).at(-1)).toMatchObject({ outcome: 'failure', errorCode: 'already_exists' });
  });
});

describe('GroupService reads', () => {
  it('lists by id with kind and name filters, and says whether a group exists', async () => {
    const a = await groups.create(operator, { name: 'Linux servers', kind: 'static' });
    const b = await groups.create(operator, { name: 'windows', kind: 'dynamic', selector: { os: 'win' } });
    expect((await groups.list({}, { limit: 10 })).items.map((g) => g.id)).toEqual([a.id, b.id]);
    expect((await groups.list({ kind: 'dynamic' }, { limit: 10 })).items).toEqual([b]);
    expect((await groups.list({ search: 'linux' }, { limit: 10 })).items).toEqual([a]);
    expect(await groups.exists(a.id)).toBe(true);
    expect(await groups.exists('nope')).toBe(false);
    expect((await failure(groups.get('nope'))).code).toBe(ErrorCode.NotFound);
  });
});

describe('GroupService.update', () => {
  it('changes what the body names at the expected revision, with a group_updated event', async () => {
    const prod = await groups.create(operator, { name: 'prod', kind: 'dynamic', selector: { env: 'prod' } });
    const updated = await groups.update(operator, prod.id, { selector: { env: 'prd' }, priority: 5 }, 1);
    expect(updated).toMatchObject({ name: 'prod', selector: { env: 'prd' }, priority: 5, revision: 2 });
    const [event] = await events('group_updated');
    expect(event?.data).toMatchObject({
      changed: ['priority', 'selector'],
      previousSelector: { env: 'prod' },
      previousPriority: 0,
      revision: 2,
    });
    expect((await groups.update(operator, prod.id, { name: 'production' })).revision).toBe(3);
  });

  it('refuses a stale revision (412), a kind change, a selector on a static group, and a taken name', async () => {
    const web = await groups.create(operator, { name: 'web', kind: 'static' });
    await groups.create(operator, { name: 'db', kind: 'static' });
    await groups.update(operator, web.id, { description: 'v2' }, 1);
    const stale = await failure(groups.update(operator, web.id, { description: 'v3' }, 1));
    expect(stale.code).toBe(ErrorCode.PreconditionFailed);
    expect(stale.message).toContain('revision 2');
    expect(fields(await failure(groups.update(operator, web.id, { kind: 'dynamic' })))).toEqual(['kind']);
    expect(fields(await failure(groups.update(operator, web.id, { selector: { a: 'b' } })))).toEqual([
      'selector',
    ]);
    expect(fields(await failure(groups.update(operator, web.id, {})))).toEqual(['(root)']);
    expect((await failure(groups.update(operator, web.id, { name: 'db' }))).code).toBe(
      ErrorCode.AlreadyExists,
    );
    expect((await failure(groups.update(operator, 'nope', { name: 'x' }))).code).toBe(ErrorCode.NotFound);
    expect((await groups.get(web.id)).description).toBe('v2');
    const refusals = (await audit()).filter((a) => a.action === 'group.update' && a.outcome === 'failure');
    expect(refusals).toHaveLength(6);
  });
});

describe('GroupService.delete', () => {
  it('removes the group and its stored members, emits group_deleted, and tells listeners who left', async () => {
    await enrollTestAgent(t, 'a1');
    await enrollTestAgent(t, 'a2', { labels: { env: 'prod' } });
    const web = await groups.create(operator, { name: 'web', kind: 'static' });
    const prod = await groups.create(operator, { name: 'prod', kind: 'dynamic', selector: { env: 'prod' } });
    await groups.addMembers(operator, web.id, { agentIds: ['a1'] });
    changes.length = 0;
    expect((await failure(groups.delete(operator, web.id, 2))).code).toBe(ErrorCode.PreconditionFailed);
    await groups.delete(operator, web.id, 1);
    await groups.delete(operator, prod.id);
    expect(changes).toEqual([
      { groupIds: [web.id], agentIds: ['a1'] },
      { groupIds: [prod.id], agentIds: ['a2'] },
    ]);
    expect(await groups.groupsOf('a1')).toEqual([]);
    expect(await groups.groupsOf('a2')).toEqual([]);
    expect((await events('group_deleted')).map((e) => e.subject.id)).toEqual([web.id, prod.id]);
    expect((await failure(groups.delete(operator, web.id))).code).toBe(ErrorCode.NotFound);
    // The agents themselves are untouched.
    expect((await t.services.agents.get('a1')).status).toBe('offline');
  });
});
