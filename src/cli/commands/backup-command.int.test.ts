// `corral backup` as an operator runs it (the built bin/corral.js in a child
// process) against the admin API on loopback ports: create, list, get,
// download, diff, a dry run and a restore (by id and from a downloaded file),
// export from one instance and import into a second, and the exit codes: 0 ok,
// 1 refused by the server (a role too low, a non-empty instance), 2 bad flags
// or a document the server calls invalid.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { runCorral, type CliRun } from '../run-corral.fixtures.js';

let source: TestApi;
let target: TestApi;
let sourceUrl: string;
let targetUrl: string;
let dir: string;

function corral(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCorral(args, { CORRAL_API_URL: sourceUrl, CORRAL_API_KEY: source.keys.admin, ...env });
}

async function json(args: readonly string[], env: Record<string, string> = {}) {
  const run = await corral([...args, '-o', 'json'], env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

const fleetLogLevel = async () =>
  ((await source.call('GET', '/api/v1/configuration/fleet')).json() as { document: { logLevel?: string } })
    .document.logLevel;
const setFleet = (logLevel: string) =>
  source.call('PUT', '/api/v1/configuration/fleet', { body: { document: { logLevel } } });

beforeAll(async () => {
  source = await openTestApi();
  target = await openTestApi();
  await source.enrollAgent('a1');
  await setFleet('debug');
  sourceUrl = await source.app.listen({ host: '127.0.0.1', port: 0 });
  targetUrl = await target.app.listen({ host: '127.0.0.1', port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'corral-backup-'));
});
afterAll(async () => {
  await source.close();
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('corral backup', () => {
  it('creates, lists, shows, downloads and diffs a backup', async () => {
    const operator = { CORRAL_API_KEY: source.keys.operator };
    const created = await json(['backup', 'create', '--name', 'nightly', '--fleet'], operator);
    expect(created).toMatchObject({ name: 'nightly', scope: 'fleet' });
    const id = created.id as string;
    const table = await corral(['backup', 'ls'], { CORRAL_API_KEY: source.keys.viewer });
    expect(table.stdout).toMatch(/^ID\s+NAME\s+SCOPE\s+CREATEDAT\s+CREATEDBY\s+SIZE\n/);
    expect(table.stdout).toContain(`${id}  nightly`);
    expect(await json(['backup', 'get', id])).toMatchObject({
      id,
      layers: [{ scope: 'fleet', revision: 1 }],
    });

    const file = join(dir, 'backup.json');
    const download = await corral(['backup', 'download', id, '--out', file]);
    expect(download.code, download.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(
      (await source.call('GET', `/api/v1/backups/${id}/download`)).body,
    );

    await setFleet('warn');
    const diff = await corral(['backup', 'diff', id]);
    expect(diff.stdout).toMatch(/\nfleet\s+logLevel\s+"debug"\s+"warn"\n/);
  });

  it('shows a dry run, refuses operators, restores by id and from a downloaded file', async () => {
    const id = (await json(['backup', 'create', '--name', 'before', '--fleet'])).id as string;
    const file = join(dir, 'before.json');
    expect((await corral(['backup', 'download', id, '--out', file])).code).toBe(0);
    await setFleet('error');

    const dry = await corral(['backup', 'restore', id, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/\nset\s+fleet\s+logLevel: "error" → "warn"/);
    expect(dry.stderr).toContain('dry run: nothing was changed');
    expect(await fleetLogLevel()).toBe('error');

    const refused = await corral(['backup', 'restore', id], { CORRAL_API_KEY: source.keys.operator });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/403/);

    const restored = await json(['backup', 'restore', id]);
    expect(restored).toMatchObject({ dryRun: false, layers: [{ scope: 'fleet' }] });
    expect(await fleetLogLevel()).toBe('warn');

    await setFleet('trace');
    expect(await json(['backup', 'restore', '--file', file])).toMatchObject({ uploaded: true });
    expect(await fleetLogLevel()).toBe('warn');

    const truncated = join(dir, 'truncated.json');
    writeFileSync(truncated, readFileSync(file, 'utf8').slice(0, 100));
    const damaged = await corral(['backup', 'restore', '--file', truncated, '--dry-run']);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toContain('document: is not valid JSON');
  });

  it('exports from one instance and imports into an empty one, once', async () => {
    const file = join(dir, 'state.json');
    const exported = await corral(['backup', 'export', '--out', file, '--history']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'corral.state', version: 1 });

    const into = { CORRAL_API_URL: targetUrl, CORRAL_API_KEY: target.keys.admin };
    const imported = await corral(['backup', 'import', '--file', file], into);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/\nlayers\s+1\n/);
    expect((await target.call('GET', '/api/v1/configuration/fleet')).json()).toEqual(
      (await source.call('GET', '/api/v1/configuration/fleet')).json(),
    );
    const again = await corral(['backup', 'import', '--file', file], into);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/412.*not empty/);
  });

  it('exits 2 naming the flag for bad flags', async () => {
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, 'nope');
    for (const [args, text] of [
      [['backup', 'create', '--fleet'], '--name is required'],
      [['backup', 'create', '--name', 'x'], 'exactly one of --fleet, --group, --agent'],
      [['backup', 'restore'], 'give a backup id or --file'],
      [['backup', 'ls', '--limit', '0'], '--limit'],
      [['backup', 'import'], '--file is required'],
      [['backup', 'import', '--file', notJson], '--file'],
      [['backup', 'get', 'bad id!'], '<id>'],
    ] as const) {
      const run = await corral(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(text);
    }
  });
});
