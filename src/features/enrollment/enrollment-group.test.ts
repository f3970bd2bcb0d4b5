// An enrollment secret that names a group: agents enrolled with it join that
// static group in the enrollment's transaction (with the group's membership
// event, and the group's configuration as desired state at once); a group gone
// since the secret was made is skipped with a warning and the agent still
// enrolls; re-enrolling leaves memberships as an operator left them.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestServices, type TestServices } from '../../app/test-services.js';
import { ErrorCode } from '../../shared/errors.js';

let t: TestServices;
let warnings: { msg: string; reason?: string; groupId?: string }[];

beforeEach(async () => {
  warnings = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        warnings.push(JSON.parse(chunk.toString()) as (typeof warnings)[number]);
        done();
      },
    }),
  );
  t = await openTestServices({ logger });
});
afterEach(() => t.close());

const facts = {
  name: 'n',
  hostname: 'h',
  ipAddress: '10.0.0.9',
  version: '1',
  type: 't',
  platform: 'linux',
  capabilities: [],
  labels: {},
};
const enroll = (enrollmentSecret: string, agentId: string, credential = '') =>
  t.services.agents.enroll({ enrollmentSecret, agentId, credential, facts });
const secretFor = async (groupId: string) =>
  (await t.services.enrollment.create(t.admin, { name: 'grouped', groupId })).secret;

describe('enrolling with a secret that names a group', () => {
  it('joins the static group, with its membership event and its configuration', async () => {
    const group = await t.services.groups.create(t.admin, { name: 'rack-7', kind: 'static' });
    await t.services.configuration.updateLayer(
      t.admin,
      { kind: 'group', id: group.id },
      { document: { logLevel: 'debug' } },
      undefined,
    );
    const secret = await secretFor(group.id);
    await enroll(secret, 'r7-1');
    await enroll(secret, 'r7-2');

    expect(await t.services.groups.memberIds(group.id)).toEqual(['r7-1', 'r7-2']);
    expect((await t.services.groups.groupsOf('r7-1')).map((g) => g.id)).toEqual([group.id]);
    const events = await t.backends.db.events.list(
      { types: ['group_membership_changed'], subjectId: group.id },
      { limit: 10, order: 'asc' },
    );
    expect(events.items.map((e) => e.data)).toEqual([
      { added: ['r7-1'], removed: [], reason: 'enrolled' },
      { added: ['r7-2'], removed: [], reason: 'enrolled' },
    ]);
    const members = await t.services.groups.membersOf(group.id, { limit: 10 });
    expect(members.items.map((m) => m.addedBy)).toEqual(['agent:r7-1', 'agent:r7-2']);
    expect((await t.services.configuration.agentView('r7-1')).desired.config.logLevel).toBe('debug');
    expect(warnings).toEqual([]);
  });

  it('still enrolls the agent when the group is gone, and logs why it did not join', async () => {
    const group = await t.services.groups.create(t.admin, { name: 'short-lived', kind: 'static' });
    const secret = await secretFor(group.id);
    await t.services.groups.delete(t.admin, group.id);
    expect((await enroll(secret, 'orphan-1')).credential).toBeDefined();
    expect(await t.services.groups.groupsOf('orphan-1')).toEqual([]);
    expect(warnings).toMatchObject([
      {
        msg: 'enrolled agent did not join the group its enrollment secret names',
        groupId: group.id,
        reason: 'the group no longer exists',
      },
    ]);
  });

  it('does not put back an agent an operator took out when it re-enrolls', async () => {
    const group = await t.services.groups.create(t.admin, { name: 'canary', kind: 'static' });
    const secret = await secretFor(group.id);
    const { credential } = await enroll(secret, 'c-1');
    await t.services.groups.removeMembers(t.admin, group.id, { agentIds: ['c-1'] });
    expect((await enroll(secret, 'c-1', credential ?? '')).reEnrolled).toBe(true);
    expect(await t.services.groups.memberIds(group.id)).toEqual([]);
  });

  it('refuses at creation a group that does not exist or is dynamic', async () => {
    const dynamic = await t.services.groups.create(t.admin, {
      name: 'labelled',
      kind: 'dynamic',
      selector: { site: 'lab' },
    });
    for (const groupId of ['missing', dynamic.id]) {
      const error = await secretFor(groupId).then(
        () => undefined,
        (e: unknown) => e as { code: string; violations: { field: string; description: string }[] },
      );
      expect(error?.code).toBe(ErrorCode.InvalidArgument);
      expect(error?.violations.map((v) => v.field)).toEqual(['groupId']);
    }
    const audit = await t.services.audit.list({ action: 'enrollment_secret.create' }, { limit: 10 });
    expect(audit.items.map((a) => [a.outcome, a.errorCode])).toEqual([
      ['failure', 'invalid_argument'],
      ['failure', 'invalid_argument'],
    ]);
  });
});
