// `corral commands types` as an operator runs it (the built bin/corral.js in a
// child process) against the admin API on a loopback port: register from a
// schema file, ls, get, update (If-Match from the revision read), rm (refused in
// use, forced), and the exit codes: 0 ok, 1 refused by the server, 2 bad usage
// or input the server called invalid.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openCommandTypeTestApi,
  type CommandTypeTestApi,
} from '../../features/commands/command-type-test-api.js';
import { runCorral, type CliRun } from '../run-corral.fixtures.js';

let api: CommandTypeTestApi;
let env: Record<string, string>;
let dir: string;

function corral(args: readonly string[]): Promise<CliRun> {
  return runCorral(['commands', 'types', ...args], env);
}

function jsonFile(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

const schema = {
  type: 'object',
  properties: { target: { type: 'string', enum: ['memory', 'disk'] } },
  required: ['target'],
};

beforeAll(async () => {
  api = await openCommandTypeTestApi();
  await api.enrollAgent('agent-a');
  const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
  env = { CORRAL_API_URL: address, CORRAL_API_KEY: api.keys.operator };
  dir = mkdtempSync(join(tmpdir(), 'corral-types-'));
});
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('corral commands types', () => {
  it('registers from a schema file, then lists and shows the type', async () => {
    const registered = await corral([
      'register',
      '--name',
      'custom:edr-dump',
      '--schema-file',
      jsonFile('schema.json', schema),
      '--description',
      'Dump EDR state',
      '-o',
      'json',
    ]);
    expect(registered.code, registered.stderr).toBe(0);
    expect(JSON.parse(registered.stdout)).toMatchObject({ name: 'custom:edr-dump', revision: 1, schema });

    const listed = await corral(['ls', '-o', 'json']);
    const names = (JSON.parse(listed.stdout) as { items: { name: string }[] }).items.map((t) => t.name);
    expect(names).toContain('scan');
    expect(names).toContain('custom:edr-dump');
    const table = await corral(['ls']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+BUILTIN\s+REVISION/);
    expect(table.stdout).toMatch(/custom:edr-dump\s+false\s+1/);

    const shown = await corral(['get', 'custom:edr-dump', '-o', 'json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ description: 'Dump EDR state', schema });
  });

  it('updates what the flags name, keeps the rest, and fails (1) on a stale --revision', async () => {
    const updated = await corral(['update', 'custom:edr-dump', '--description', 'Dump it', '-o', 'json']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ description: 'Dump it', revision: 2, schema });
    const stale = await corral(['update', 'custom:edr-dump', '--description', 'late', '--revision', '1']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/412/);
    expect((await corral(['update', 'custom:edr-dump'])).code).toBe(2);
  });

  it('exits 2 naming the field when the server refuses the input, or the flag when a file is bad', async () => {
    const badSchema = jsonFile('bad.json', {
      type: 'object',
      properties: { a: { type: 'string', format: 'email' } },
    });
    const keyword = await corral(['register', '--name', 'custom:bad', '--schema-file', badSchema]);
    expect(keyword.code).toBe(2);
    expect(keyword.stderr).toContain('schema.properties.a.format');
    const builtIn = await corral(['register', '--name', 'scan', '--schema-file', badSchema]);
    expect(builtIn.code).toBe(2);
    expect(builtIn.stderr).toContain('name');
    const missing = await corral(['register', '--name', 'custom:x', '--schema-file', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--schema-file');
    const notJson = await corral([
      'register',
      '--name',
      'custom:x',
      '--schema-file',
      jsonFile('x.json', '{oops'),
    ]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('not valid JSON');
    const taken = await corral([
      'register',
      '--name',
      'custom:edr-dump',
      '--schema-file',
      jsonFile('s.json', schema),
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/409/);
  });

  it('refuses rm (1) while a command uses the type, removes it with --force, then get exits 1', async () => {
    const sent = await api.call('POST', '/api/v1/commands', {
      body: {
        type: 'custom:edr-dump',
        params: { target: 'disk' },
        target: { kind: 'agent', agentId: 'agent-a' },
      },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const refused = await corral(['rm', 'custom:edr-dump']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('force=true');
    const forced = await corral(['rm', 'custom:edr-dump', '--force', '-o', 'json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({ name: 'custom:edr-dump', deleted: true });
    const gone = await corral(['get', 'custom:edr-dump']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/404/);
  });
});
