// `corral backup` flags: the bodies and paths built from them, and bad flags
// refused as usage errors naming the flag; the diff and plan tables' rows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error.js';
import { createBackupBody, diffRows, listScope, planRows, restoreRequest } from './backup-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-backup-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createBackupBody and listScope', () => {
  it('names the scope of exactly one flag', () => {
    expect(createBackupBody({ name: 'nightly', fleet: true })).toEqual({ name: 'nightly', scope: 'fleet' });
    expect(createBackupBody({ name: 'web', group: '01HG' })).toEqual({ name: 'web', scope: 'group:01HG' });
    expect(createBackupBody({ name: 'a', agent: 'a-1' })).toEqual({ name: 'a', scope: 'agent:a-1' });
    expect(listScope({})).toBeUndefined();
    expect(listScope({ agent: 'a-1' })).toBe('agent:a-1');
  });

  it.each([
    [{ fleet: true }, '--name is required'],
    [{ name: ' ', fleet: true }, '--name'],
    [{ name: 'x' }, 'exactly one of --fleet, --group, --agent'],
    [{ name: 'x', fleet: true, agent: 'a1' }, 'exactly one of'],
    [{ name: 'x', group: 'bad id!' }, '--group'],
  ])('refuses %j naming %s', (flags, text) => {
    expect(() => createBackupBody(flags)).toThrow(UsageError);
    expect(() => createBackupBody(flags)).toThrow(text);
  });
});

describe('restoreRequest', () => {
  it('restores a stored backup by id, or uploads a file as text', () => {
    expect(restoreRequest('01HB', { dryRun: true })).toEqual({
      path: '/backups/01HB/restore',
      body: { dryRun: true, skipMissing: false },
    });
    const file = join(dir, 'backup.json');
    writeFileSync(file, '{"format":"corral.backup"');
    expect(restoreRequest(undefined, { file, skipMissing: true })).toEqual({
      path: '/backups/restore',
      body: { document: '{"format":"corral.backup"', dryRun: false, skipMissing: true },
    });
  });

  it.each([
    [undefined, {}, 'give a backup id or --file'],
    ['01HB', { file: 'x.json' }, 'not both'],
    [undefined, { file: join(dir, 'missing.json') }, '--file: cannot read'],
    ['bad id!', {}, '<id>'],
  ])('refuses id %s with %j naming %s', (id, flags, text) => {
    expect(() => restoreRequest(id, flags)).toThrow(UsageError);
    expect(() => restoreRequest(id, flags)).toThrow(text);
  });
});

describe('table rows', () => {
  const assignment = { policyName: 'edge', targetKind: 'agent', targetId: 'a1' };
  it('lists a diff field by field, then assignments and what is gone', () => {
    expect(
      diffRows({
        layers: [{ scope: 'fleet', changes: [{ path: 'logLevel', from: 'debug', to: 'warn' }] }],
        assignments: { added: [assignment], removed: [] },
        missing: [{ kind: 'group', id: 'g1' }],
      }),
    ).toEqual([
      { scope: 'fleet', change: 'logLevel', backup: '"debug"', now: '"warn"' },
      { scope: 'agent:a1', change: 'assigned since', now: 'edge' },
      { scope: 'group:g1', change: 'gone since' },
    ]);
  });

  it('lists a plan as actions', () => {
    expect(
      planRows({
        layers: [{ scope: 'agent:a1', changes: [{ path: 'logLevel', from: 'warn' }], revision: 4 }],
        assign: [],
        unassign: [assignment],
        skipped: [],
      }),
    ).toEqual([
      { action: 'set', scope: 'agent:a1', detail: 'logLevel: "warn" → (unset)', revision: 4 },
      { action: 'unassign', scope: 'agent:a1', detail: 'edge' },
    ]);
  });
});
