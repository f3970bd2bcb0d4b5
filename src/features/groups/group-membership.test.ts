// GroupService membership over real services on SQLite: static add/remove
// (unknown and decommissioned agents named by index, dynamic groups refused),
// dynamic membership following agents' labels through AgentService's hook
// (events in the same transaction, listeners after the commit), groupsOf
// precedence, the caps, and the summary.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import { newAgentFixture } from '../agents/agent-store.fixtures.js';
import type { RequestContext } from '../audit/audited.js';
import { MAX_TARGET_AGENTS } from '../commands/command.js';
import type { Group } from './group.js';
import { MAX_GROUP_FANOUT } from './group-members.js';
import type { GroupService } from './group-service.js';
import { MAX_STATIC_MEMBERS } from './member-edits.js';
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
  await enrollTestAgent(t, 'a1', { labels: { env: 'prod', team: 'blue' } });
  await enrollTestAgent(t, 'a2', { labels: { env: 'dev' } });
  await enrollTestAgent(t, 'a3', { labels: {} });
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
const staticGroup = (name: string, priority = 0) =>
  groups.create(operator, { name, kind: 'static', priority });
const dynamicGroup = (name: string, selector: Record<string, string>, priority = 0) =>
  groups.create(operator, { name, kind: 'dynamic', selector, priority });
const groupIdsOf = async (agentId: string) => (await groups.groupsOf(agentId)).map((g) => g.id);
const membershipEvents = async () =>
  (
    await t.services.events.list({ types: ['group_membership_changed'] }, { limit: 100, order: 'asc' })
  ).items.map((e) => ({
    group: e.subject.id,
    ...(e.data as { added: string[]; removed: string[]; reason: string }),
  }));

describe('static membership', () => {
  it('adds and removes agents, reporting what changed, with events, audit entries and listeners', async () => {
    const web = await staticGroup('web');
    changes.length = 0;
    const added = await groups.addMembers(operator, web.id, { agentIds: ['a2', 'a1'] });
    expect(added).toMatchObject({ added: ['a2', 'a1'], alreadyMembers: [] });
    const again = await groups.addMembers(operator, web.id, { agentIds: ['a1', 'a3'] });
    expect(again).toMatchObject({ added: ['a3'], alreadyMembers: ['a1'] });
    expect((await groups.allMemberIds(web.id)).sort()).toEqual(['a1', 'a2', 'a3']);
    const removed = await groups.removeMembers(operator, web.id, { agentIds: ['a3', 'ghost'] });
    expect(removed).toMatchObject({ removed: ['a3'], notMembers: ['ghost'] });
    await groups.removeMembers(operator, web.id, { agentIds: ['a2'] }, { single: true });
    const single = await failure(
      groups.removeMembers(operator, web.id, { agentIds: ['a2'] }, { single: true }),
    );
    expect(single.code).toBe(ErrorCode.NotFound);
    expect(await groupIdsOf('a1')).toEqual([web.id]);
    expect(changes).toEqual([
      { groupIds: [web.id], agentIds: ['a2', 'a1'] },
      { groupIds: [web.id], agentIds: ['a3'] },
      { groupIds: [web.id], agentIds: ['a3'] },
      { groupIds: [web.id], agentIds: ['a2'] },
    ]);
    expect(await membershipEvents()).toEqual([
      { group: web.id, added: ['a2', 'a1'], removed: [], reason: 'members_added' },
      { group: web.id, added: ['a3'], removed: [], reason: 'members_added' },
      { group: web.id, added: [], removed: ['a3'], reason: 'members_removed' },
      { group: web.id, added: [], removed: ['a2'], reason: 'members_removed' },
    ]);
    const actions = (await t.services.audit.list({}, { limit: 100 })).items.map(
      (a) => `${a.action}:${a.outcome}`,
    );
    expect(actions.filter((a) => a.startsWith('group.'))).toEqual([
      'group.create:success',
      'group.add_members:success',
      'group.add_members:success',
      'group.remove_members:success',
      'group.remove_members:success',
      'group.remove_members:failure',
    ]);
  });

  it('refuses unknown and decommissioned agents by index, adding none of the request', async () => {
    const web = await staticGroup('web');
    await t.services.agents.unregister(operator, 'a3');
    const error = await failure(groups.addMembers(operator, web.id, { agentIds: ['a1', 'ghost', 'a3'] }));
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.violations).toEqual([
      { field: 'agentIds.1', description: 'no agent "ghost"' },
      { field: 'agentIds.2', description: 'agent "a3" is decommissioned' },
    ]);
    expect(await groups.allMemberIds(web.id)).toEqual([]);
    const bad = await failure(groups.addMembers(operator, web.id, { agentIds: [] }));
    expect(bad.violations.map((v) => v.field)).toEqual(['agentIds']);
    expect((await failure(groups.addMembers(operator, 'nope', { agentIds: ['a1'] }))).code).toBe(
      ErrorCode.NotFound,
    );
  });

  it('refuses membership edits on a dynamic group', async () => {
    const prod = await dynamicGroup('prod', { env: 'prod' });
    for (const edit of [
      groups.addMembers(operator, prod.id, { agentIds: ['a2'] }),
      groups.removeMembers(operator, prod.id, { agentIds: ['a1'] }),
    ]) {
      const error = await failure(edit);
      expect(error.code).toBe(ErrorCode.PreconditionFailed);
      expect(error.message).toContain('selector');
    }
  });

  it('hides decommissioned members and shows them again when the agent is reinstated', async () => {
    const web = await staticGroup('web');
    await groups.addMembers(operator, web.id, { agentIds: ['a1', 'a2'] });
    changes.length = 0;
    await t.services.agents.unregister(operator, 'a2');
    expect(await groups.allMemberIds(web.id)).toEqual(['a1']);
    expect(changes).toEqual([{ groupIds: [web.id], agentIds: ['a2'] }]);
    expect((await membershipEvents()).at(-1)).toEqual({
      group: web.id,
      added: [],
      removed: ['a2'],
      reason: 'unregistered',
    });
  });
});

describe('dynamic membership', () => {
  it('follows label edits: groupsOf, events in the same transaction, and listeners after the commit', async () => {
    const prod = await dynamicGroup('prod', { env: 'prod' });
    const blue = await dynamicGroup('blue', { team: 'blue' });
    expect(await groupIdsOf('a1')).toEqual([prod.id, blue.id]);
    changes.length = 0;
    await t.services.agents.updateMetadata(operator, 'a1', { labels: { env: 'dev', team: 'blue' } });
    await t.services.agents.updateMetadata(operator, 'a2', { labels: { env: 'prod' } });
    await t.services.agents.updateMetadata(operator, 'a2', { name: 'renamed' });
    await t.services.agents.updateMetadata(operator, 'a2', { labels: { env: 'prod', extra: 'x' } });
    expect(await groupIdsOf('a1')).toEqual([blue.id]);
    expect(await groupIdsOf('a2')).toEqual([prod.id]);
    expect(await groups.allMemberIds(prod.id)).toEqual(['a2']);
    // Only changes that moved an agent are announced.
    expect(changes).toEqual([
      { groupIds: [prod.id], agentIds: ['a1'] },
      { groupIds: [prod.id], agentIds: ['a2'] },
    ]);
    const moved = (await membershipEvents()).filter((e) => e.reason === 'labels_changed');
    expect(moved).toEqual([
      { group: prod.id, added: [], removed: ['a1'], reason: 'labels_changed' },
      { group: prod.id, added: ['a2'], removed: [], reason: 'labels_changed' },
    ]);
  });

  it('takes in agents as they enroll or re-enroll with matching labels', async () => {
    const prod = await dynamicGroup('prod', { env: 'prod' });
    changes.length = 0;
    const { credential } = await enrollTestAgent(t, 'a4', { labels: { env: 'prod' } });
    const { secret } = await t.services.enrollment.create(t.admin, { name: 're-enroll' });
    const facts = { ...newAgentFixture('a4'), labels: { env: 'dev' } };
    await t.services.agents.enroll({ enrollmentSecret: secret, agentId: 'a4', credential, facts });
    expect(changes).toEqual([
      { groupIds: [prod.id], agentIds: ['a4'] },
      { groupIds: [prod.id], agentIds: ['a4'] },
    ]);
    expect((await membershipEvents()).map((e) => [e.added, e.removed, e.reason])).toEqual([
      [['a4'], [], 'enrolled'],
      [[], ['a4'], 're_enrolled'],
    ]);
  });

  it('announces the members a selector change moves, old and new', async () => {
    const prod = await dynamicGroup('prod', { env: 'prod' });
    changes.length = 0;
    await groups.update(operator, prod.id, { selector: { env: 'dev' } });
    await groups.update(operator, prod.id, { description: 'no move' });
    await groups.update(operator, prod.id, { priority: 3 });
    expect(changes).toEqual([
      { groupIds: [prod.id], agentIds: ['a1', 'a2'] },
      { groupIds: [prod.id], agentIds: ['a2'] },
    ]);
  });
});

describe('groupsOf', () => {
  it('orders an agent’s groups by priority descending, then id ascending', async () => {
    const created: Group[] = [];
    created.push(await staticGroup('low', -10));
    created.push(await dynamicGroup('high', { env: 'prod' }, 500));
    created.push(await staticGroup('tie-old', 7));
    created.push(await dynamicGroup('tie-new', { team: 'blue' }, 7));
    created.push(await staticGroup('unrelated', 1000));
    for (const group of created.filter((g) => g.kind === 'static' && g.name !== 'unrelated'))
      await groups.addMembers(operator, group.id, { agentIds: ['a1'] });
    expect((await groups.groupsOf('a1')).map((g) => g.name)).toEqual(['high', 'tie-old', 'tie-new', 'low']);
    const many = await groups.groupsOfMany(['a1', 'a2', 'ghost']);
    expect(many.get('a1')?.map((g) => g.name)).toEqual(['high', 'tie-old', 'tie-new', 'low']);
    expect(many.has('a2')).toBe(false);
    expect(await groups.groupsOf('ghost')).toEqual([]);
  });
});

describe('caps and summaries', () => {
  it('caps fan-out like selector targets and reads every page without a cap', async () => {
    expect(MAX_GROUP_FANOUT).toBe(MAX_TARGET_AGENTS);
    const all = await dynamicGroup('all-ish', { env: 'prod' });
    await t.services.agents.updateMetadata(operator, 'a2', { labels: { env: 'prod' } });
    expect(await groups.allMemberIds(all.id, 2)).toEqual(['a1', 'a2']);
    await t.services.agents.updateMetadata(operator, 'a3', { labels: { env: 'prod' } });
    const error = await failure(groups.allMemberIds(all.id, 2));
    expect(error.code).toBe(ErrorCode.PreconditionFailed);
    expect(error.message).toContain('more than 2 members');
    const pages: (readonly string[])[] = [];
    for await (const page of groups.memberIdPages(all.id)) pages.push(page);
    expect(pages.flat()).toEqual(['a1', 'a2', 'a3']);
    expect(await groups.memberIds(all.id)).toEqual(['a1', 'a2', 'a3']);
    expect(await groups.memberIds('nope')).toEqual([]);
  });

  it(`holds at most ${MAX_STATIC_MEMBERS} members in a static group`, async () => {
    const big = await staticGroup('big');
    const ids = Array.from({ length: MAX_STATIC_MEMBERS }, (_, i) => `bulk-${String(i).padStart(5, '0')}`);
    await t.backends.db.transaction(async (stores) => {
      for (const id of ids) await stores.agents.insert(newAgentFixture(id, { labels: {} }));
    });
    for (let i = 0; i < ids.length; i += 1000)
      await groups.addMembers(operator, big.id, { agentIds: ids.slice(i, i + 1000) });
    const error = await failure(groups.addMembers(operator, big.id, { agentIds: ['a1'] }));
    expect(error.code).toBe(ErrorCode.PreconditionFailed);
    expect(error.message).toContain(`at most ${MAX_STATIC_MEMBERS}`);
    expect(await groups.allMemberIds(big.id)).toHaveLength(MAX_STATIC_MEMBERS);
  });

  it('counts members by status and health, and by compliance from the installed source', async () => {
    const web = await staticGroup('web');
    await groups.addMembers(operator, web.id, { agentIds: ['a1', 'a2'] });
    // The configuration feature is the source createServices installs: nothing was sent to these agents yet.
    expect(await groups.summary(web.id)).toMatchObject({
      total: 2,
      byStatus: { offline: 2 },
      byHealth: { unknown: 2 },
      compliance: { unknown: 2, pending: 0, compliant: 0, non_compliant: 0 },
    });
    groups.useComplianceSummary(async (group) => ({ compliant: group.name.length }));
    expect((await groups.summary(web.id)).compliance).toEqual({ compliant: 3 });
  });
});
