// `corral config` and `corral compliance` as an operator runs them (the built
// bin/corral.js in a child process) against the admin API on a loopback port:
// get and set layers (--set reads the layer and sends If-Match), a stale
// --if-match, bulk changes, history and diff, compliance, and the exit codes:
// 0 ok, 1 refused by the server, 2 bad usage or input the server called invalid.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { runCorral, type CliRun } from '../run-corral.fixtures.js';

let api: TestApi;
let env: Record<string, string>;
let dir: string;

function corral(args: readonly string[]): Promise<CliRun> {
  return runCorral(args, env);
}

async function json(args: readonly string[]): Promise<Record<string, unknown>> {
  const run = await corral([...args, '-o', 'json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

function jsonFile(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

beforeAll(async () => {
  api = await openTestApi();
  await api.enrollAgent('a1', { labels: { env: 'prod' } });
  await api.enrollAgent('a2', { labels: { env: 'dev' } });
  const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
  env = { CORRAL_API_URL: address, CORRAL_API_KEY: api.keys.operator };
  dir = mkdtempSync(join(tmpdir(), 'corral-config-'));
});
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('corral config get and set', () => {
  it('changes fields of the fleet layer with --set, replaces it with --file, and shows it as a table', async () => {
    expect(await json(['config', 'get'])).toMatchObject({ scope: 'fleet', revision: 0, document: {} });
    const set = await json([
      'config',
      'set',
      '--fleet',
      '--set',
      'logLevel=debug',
      '--set',
      'reportIntervalSeconds=5',
    ]);
    expect(set).toMatchObject({ revision: 1, document: { logLevel: 'debug', reportIntervalSeconds: 5 } });
    const more = await json([
      'config',
      'set',
      '--fleet',
      '--set',
      'metrics.detailed=true',
      '--reason',
      'detail',
    ]);
    expect(more).toMatchObject({
      revision: 2,
      document: { logLevel: 'debug', reportIntervalSeconds: 5, metrics: { detailed: true } },
    });
    const replaced = await json([
      'config',
      'set',
      '--fleet',
      '--file',
      jsonFile('l.json', { logLevel: 'warn' }),
    ]);
    expect(replaced).toMatchObject({ revision: 3, document: { logLevel: 'warn' } });

    const table = await corral(['config', 'get', '--fleet']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^FIELD\s+VALUE\nlogLevel\s+warn\n$/);
    expect(table.stderr).toContain('fleet layer at revision 3');
  });

  it('fails (1) on a stale --if-match and on an unknown agent, and keeps the layer', async () => {
    const layer = jsonFile('a.json', { reportIntervalSeconds: 7 });
    const first = await json(['config', 'set', '--agent', 'a1', '--file', layer, '--if-match', '0']);
    expect(first).toMatchObject({ scope: 'agent:a1', revision: 1 });
    const stale = await corral(['config', 'set', '--agent', 'a1', '--file', layer, '--if-match', '0']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/412/);
    const ghost = await corral(['config', 'set', '--agent', 'ghost', '--set', 'logLevel=debug']);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toMatch(/404/);
    expect(await json(['config', 'get', '--agent', 'a1'])).toMatchObject({
      agentId: 'a1',
      layer: { revision: 1, document: { reportIntervalSeconds: 7 } },
      applied: null,
      upToDate: false,
    });
  });

  it("shows an agent's desired configuration and status as tables", async () => {
    const table = await corral(['config', 'get', '--agent', 'a1']);
    expect(table.code, table.stderr).toBe(0);
    const [status, fields] = table.stdout.split('\n\n');
    expect(status).toMatch(/^AGENTID\s+COMPLIANCE\s+UPTODATE/);
    expect(status).toMatch(
      /\na1\s+unknown\s+false\s+[0-9a-f]{12}\s+-\s+never sent\s+never sent\s+fleet@3,agent:a1@1/,
    );
    expect(fields).toMatch(/\nreportIntervalSeconds\s+7\n/);
    expect(fields).toMatch(/\nconnectionLimits\.maxConnections\s+10000\n/);
  });

  it('exits 2 naming the flag for bad flags, or the field when the server calls a value invalid', async () => {
    const invalid = await corral(['config', 'set', '--fleet', '--set', 'reportIntervalSeconds=0']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('document.reportIntervalSeconds');
    for (const [args, text] of [
      [['config', 'set', '--set', 'logLevel=debug'], 'exactly one of --fleet, --group, --agent'],
      [['config', 'set', '--fleet', '--set', 'colour=red'], '--set'],
      [['config', 'set', '--fleet', '--set', 'logLevel=debug', '--if-match', 'x'], '--if-match'],
      [['config', 'bulk', '--agents', 'a1'], 'either --file or --set'],
      [['config', 'history', '--fleet', '--limit', '0'], '--limit'],
    ] as const) {
      const run = await corral(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(text);
    }
  });
});

describe('corral config bulk, history, diff and corral compliance', () => {
  it("patches many agents' layers at once, and fails (1) naming an unknown agent", async () => {
    const done = await json(['config', 'bulk', '--agents', 'a1,a2', '--set', 'tracing.enabled=true']);
    expect((done.results as { agentId: string }[]).map((r) => r.agentId)).toEqual(['a1', 'a2']);
    const selected = await json(['config', 'bulk', '--selector', 'env=dev', '--set', 'logLevel=error']);
    expect((selected.results as { agentId: string }[]).map((r) => r.agentId)).toEqual(['a2']);
    const unknown = await corral(['config', 'bulk', '--agents', 'a1,ghost', '--set', 'logLevel=debug']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('target.agentIds.1');
  });

  it('lists a layer’s history newest first and diffs two revisions', async () => {
    const history = (await json(['config', 'history', '--fleet'])).items as {
      id: string;
      revision: number;
    }[];
    expect(history.map((r) => r.revision)).toEqual([3, 2, 1]);
    const table = await corral(['config', 'history', '--fleet', '--limit', '1']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+REVISION\s+CREATEDAT\s+AUTHOR\s+REASON\s+CHANGES/);
    expect(table.stdout.trim().split('\n')).toHaveLength(2);
    const [newest, , oldest] = history;
    const diff = await json(['config', 'diff', oldest!.id, newest!.id]);
    expect(diff).toEqual({
      changes: [
        { path: 'logLevel', from: 'debug', to: 'warn' },
        { path: 'reportIntervalSeconds', from: 5 },
      ],
    });
    const shown = await corral(['config', 'diff', oldest!.id, newest!.id]);
    expect(shown.stdout).toMatch(/\nlogLevel\s+"debug"\s+"warn"\n/);
    expect((await corral(['config', 'diff', oldest!.id, 'nope'])).code).toBe(1);
  });

  it('summarises compliance for the fleet, and fails (1) for a group nobody created', async () => {
    expect(await json(['compliance'])).toEqual({
      total: 2,
      byCompliance: { unknown: 2, pending: 0, compliant: 0, non_compliant: 0 },
      compliantPercent: 0,
    });
    const table = await corral(['compliance']);
    expect(table.stdout).toMatch(/\nunknown\s+2\n/);
    expect(table.stdout).toMatch(/\ncompliant %\s+0\n/);
    const group = await corral(['compliance', '--group', 'never-created']);
    expect(group.code).toBe(1);
    expect(group.stderr).toMatch(/404/);
  });
});
