// `corral groups`, `corral agents groups` and `corral commands send --group` as
// an operator runs them (the built bin/corral.js in a child process) against
// the admin API on a loopback port, with the exit codes: 0 ok, 1 refused by the
// server (or an agent the fleet lacks), 2 bad usage or input the server called
// invalid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { runCorral, type CliRun } from '../run-corral.fixtures.js';

let api: TestApi;
let env: Record<string, string>;

function corral(args: readonly string[]): Promise<CliRun> {
  return runCorral(args, env);
}
const json = async (args: readonly string[]) => {
  const run = await corral([...args, '-o', 'json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};

beforeAll(async () => {
  api = await openTestApi();
  await api.enrollAgent('agent-a', { labels: { env: 'prod' } });
  await api.enrollAgent('agent-b', { labels: { env: 'dev' } });
  const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
  env = { CORRAL_API_URL: address, CORRAL_API_KEY: api.keys.operator };
});
afterAll(() => api.close());

describe('corral groups', () => {
  let web: { id: string };
  let prod: { id: string };

  it('creates static and dynamic groups, lists them as a table and shows one', async () => {
    web = await json(['groups', 'create', '--name', 'web', '--priority', '10']);
    prod = await json(['groups', 'create', '--name', 'prod', '--selector', 'env=prod', '--description', 'p']);
    expect(web).toMatchObject({ name: 'web', kind: 'static', priority: 10, revision: 1 });
    expect(prod).toMatchObject({ name: 'prod', kind: 'dynamic', selector: { env: 'prod' } });
    const table = await corral(['groups', 'ls']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+KIND\s+PRIORITY\s+SELECTOR\s+REVISION$/);
    expect(table.stdout).toMatch(/prod\s+dynamic\s+0\s+env=prod\s+1/);
    expect(
      (await json(['groups', 'ls', '--kind', 'static'])).items.map((g: { name: string }) => g.name),
    ).toEqual(['web']);
    expect(await json(['groups', 'get', prod.id])).toMatchObject({ description: 'p' });
  });

  it('adds members (an unknown agent exits 1, a malformed id 2) and lists them', async () => {
    expect(await json(['groups', 'add', web.id, 'agent-a', 'agent-b'])).toEqual({
      groupId: web.id,
      added: ['agent-a', 'agent-b'],
      alreadyMembers: [],
    });
    const unknown = await corral(['groups', 'add', web.id, 'ghost']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('agentIds.0');
    expect((await corral(['groups', 'add', web.id, 'bad id'])).code).toBe(2);
    const members = await json(['groups', 'members', web.id]);
    expect(members.items.map((m: { agentId: string }) => m.agentId)).toEqual(['agent-a', 'agent-b']);
  });

  it('summarises a group and shows an agent’s groups in order', async () => {
    const summary = await json(['groups', 'summary', prod.id]);
    expect(summary).toMatchObject({
      members: 1,
      byStatus: { offline: 1 },
      compliance: { unknown: 1, pending: 0, compliant: 0, non_compliant: 0 },
    });
    expect((await corral(['groups', 'summary', prod.id])).stdout).toMatch(/members\s+1/);
    const groups = await json(['agents', 'groups', 'agent-a']);
    expect(groups.items.map((g: { name: string }) => g.name)).toEqual(['web', 'prod']);
    expect(await json(['groups', 'remove', web.id, 'agent-b', 'agent-x'])).toEqual({
      groupId: web.id,
      removed: ['agent-b'],
      notMembers: ['agent-x'],
    });
  });

  it('sends a command to a group’s members with commands send --group', async () => {
    const sent = await json(['commands', 'send', '--type', 'ping', '--group', prod.id]);
    expect(sent.command.target).toEqual({ kind: 'group', groupId: prod.id });
    expect(sent.children).toHaveLength(1);
    const empty = await json(['groups', 'create', '--name', 'empty']);
    const refused = await corral(['commands', 'send', '--type', 'ping', '--group', empty.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('target.groupId');
  });

  it('updates with the revision read, fails (1) on a stale --revision, and deletes', async () => {
    const updated = await json(['groups', 'update', prod.id, '--priority', '-5', '--selector', 'env=dev']);
    expect(updated).toMatchObject({ priority: -5, selector: { env: 'dev' }, revision: 2 });
    const stale = await corral(['groups', 'update', prod.id, '--name', 'late', '--revision', '1']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/412/);
    const invalid = await corral(['groups', 'update', web.id, '--selector', 'a=b']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('selector');
    expect(await json(['groups', 'rm', prod.id])).toEqual({ id: prod.id, deleted: true });
    const gone = await corral(['groups', 'get', prod.id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/404/);
  });

  it.each([
    [['groups', 'create', '--name', 'x', '--priority', '5000'], '--priority'],
    [['groups', 'create', '--name', 'x', '--kind', 'dynamic'], '--selector'],
    [['groups', 'create', '--name', 'x', '--selector', 'env'], '--selector'],
    [['groups', 'update', 'some-id'], 'give at least one of'],
    [['groups', 'ls', '--kind', 'smart'], '--kind'],
    [['groups', 'ls', '--limit', '0'], '--limit'],
  ])('exits 2 for %j naming %s', async (args, flag) => {
    const run = await corral(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(flag);
  });

  it('exits 1 for a taken name', async () => {
    const taken = await corral(['groups', 'create', '--name', 'web']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/409/);
  });
});
