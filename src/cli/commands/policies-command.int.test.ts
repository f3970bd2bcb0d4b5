// `corral policies` and `corral agents policies` as an operator runs them (the
// built bin/corral.js in a child process) against the admin API on a loopback
// port: create from files, ls, get (and an earlier version), update (If-Match
// from the version read), versions, assign, assignments, unassign, rm (refused
// while assigned, forced), and the exit codes: 0 ok, 1 refused by the server,
// 2 bad usage or input the server called invalid (naming the field or flag).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_BODY } from '../../features/policies/policy.fixtures.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { runCorral, type CliRun } from '../run-corral.fixtures.js';

let api: TestApi;
let env: Record<string, string>;
let dir: string;

function corral(args: readonly string[]): Promise<CliRun> {
  return runCorral(args, env);
}
const policies = (...args: string[]) => corral(['policies', ...args]);

function jsonFile(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

const { defaultAction, rules } = EXAMPLE_BODY;

beforeAll(async () => {
  api = await openTestApi();
  await api.enrollAgent('agent-a');
  const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
  env = { CORRAL_API_URL: address, CORRAL_API_KEY: api.keys.operator };
  dir = mkdtempSync(join(tmpdir(), 'corral-policies-'));
});
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('corral policies', () => {
  let id = '';

  it('creates from a policy file, then lists and shows it', async () => {
    const created = await policies('create', '--file', jsonFile('policy.json', EXAMPLE_BODY), '-o', 'json');
    expect(created.code, created.stderr).toBe(0);
    const policy = JSON.parse(created.stdout) as { id: string };
    id = policy.id;
    expect(policy).toMatchObject({ name: 'edge-web', version: 1, rules });
    const table = await policies('ls');
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+MODE\s+VERSION/);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+edge-web\\s+enforce\\s+1\\s+allow\\s+5`));
    const shown = await policies('get', id, '-o', 'json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, defaultAction: 'allow' });
  });

  it('creates from a rules file with flags, and refuses what is missing or invalid with exit 2', async () => {
    const rulesFile = jsonFile('rules.json', { defaultAction, rules: rules.slice(0, 1) });
    const created = await policies(
      'create',
      '--rules-file',
      rulesFile,
      '--name',
      'office',
      '--mode',
      'monitor',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/office\s+monitor\s+1/);
    const badCidr = jsonFile('bad.json', {
      defaultAction,
      rules: [{ id: 'r', match: { cidrs: ['10.0.0.1/8'] }, action: 'block' }],
    });
    const invalid = await policies('create', '--rules-file', badCidr, '--name', 'bad', '--mode', 'enforce');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('rules.0.match.cidrs.0');
    expect((await policies('create', '--name', 'x')).code).toBe(2);
    const mode = await policies('create', '--rules-file', rulesFile, '--name', 'x', '--mode', 'loud');
    expect([mode.code, mode.stderr.includes('--mode')]).toEqual([2, true]);
    const extra = await policies('create', '--rules-file', jsonFile('extra.json', { rules: [], mode: 'x' }));
    expect([extra.code, extra.stderr.includes('--rules-file')]).toEqual([2, true]);
    const missing = await policies('create', '--file', join(dir, 'nope.json'));
    expect([missing.code, missing.stderr.includes('--file')]).toEqual([2, true]);
    const taken = await policies(
      'create',
      '--rules-file',
      rulesFile,
      '--name',
      'office',
      '--mode',
      'monitor',
    );
    expect([taken.code, /409/.test(taken.stderr)]).toEqual([1, true]);
  });

  it('updates what the flags name into a new version, and fails (1) on a stale --version', async () => {
    const updated = await policies('update', id, '--mode', 'monitor', '--reason', 'dry run', '-o', 'json');
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      version: 2,
      mode: 'monitor',
      name: 'edge-web',
      rules,
    });
    const stale = await policies('update', id, '--description', 'late', '--policy-version', '1');
    expect([stale.code, /412/.test(stale.stderr)]).toEqual([1, true]);
    expect((await policies('update', id)).code).toBe(2);
    const versions = await policies('versions', id);
    expect(versions.stdout).toMatch(/^VERSION\s+MODE/);
    expect(versions.stdout).toMatch(/2\s+monitor\s+5\s+api_key:\S+\s+\S+\s+dry run/);
    const first = await policies('get', id, '--policy-version', '1', '-o', 'json');
    expect(JSON.parse(first.stdout)).toMatchObject({ version: 1, mode: 'enforce' });
    expect((await policies('get', id, '--policy-version', 'zero')).code).toBe(2);
  });

  it('assigns, lists, shows the agent its policies, unassigns', async () => {
    const assigned = await policies('assign', id, '--agent', 'agent-a');
    expect(assigned.code, assigned.stderr).toBe(0);
    expect(assigned.stdout).toMatch(/agent\s+agent-a\s+assigned/);
    const unknown = await policies('assign', id, '--agent', 'ghost');
    expect([unknown.code, unknown.stderr.includes('agentIds.0')]).toEqual([2, true]);
    expect((await policies('assign', id, '--agent', 'bad id!')).code).toBe(2);
    expect((await policies('assign', id)).code).toBe(2);
    const listed = await policies('assignments', id, '-o', 'json');
    expect(JSON.parse(listed.stdout).items).toEqual([expect.objectContaining({ targetId: 'agent-a' })]);
    const mine = await corral(['agents', 'policies', 'agent-a']);
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.stdout).toMatch(
      new RegExp(`${id}\\s+edge-web\\s+2\\s+monitor\\s+5\\s+agent:agent-a\\s+[0-9a-f]{12}`),
    );
    expect((await policies('unassign', id)).code).toBe(2);
    expect((await policies('unassign', id, '--agent', 'agent-a', '--group', 'g')).code).toBe(2);
    expect((await policies('unassign', id, '--agent', 'agent-a')).code).toBe(0);
    const again = await policies('unassign', id, '--agent', 'agent-a');
    expect([again.code, /404/.test(again.stderr)]).toEqual([1, true]);
  });

  it('refuses rm (1) while assigned, removes it with --force, then get exits 1', async () => {
    await policies('assign', id, '--agent', 'agent-a');
    const refused = await policies('rm', id);
    expect([refused.code, refused.stderr.includes('force=true')]).toEqual([1, true]);
    const forced = await policies('rm', id, '--force', '-o', 'json');
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({ id, deleted: true });
    const gone = await policies('get', id);
    expect([gone.code, /404/.test(gone.stderr)]).toEqual([1, true]);
  });
});
