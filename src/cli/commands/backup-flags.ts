// What `corral backup` sends and shows, built from flags and responses: the
// scope a flag names, the restore request (a stored backup by id, or a file's
// text, never both), reading and writing files, and the table rows of a diff
// and a restore plan. A bad flag is a UsageError naming it, so it never
// reaches the network.
import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError } from '../usage-error.js';
import { agentId, text } from './agent-flags.js';
import { layerScope, type ScopeFlags } from './config-flags.js';

export interface RestoreFlags {
  readonly file?: string;
  readonly dryRun?: boolean;
  readonly skipMissing?: boolean;
}

interface Change {
  readonly path: string;
  readonly from?: unknown;
  readonly to?: unknown;
}
interface Assignment {
  readonly policyName: string;
  readonly targetKind: string;
  readonly targetId: string;
}

/** The backup request: a name and exactly one of --fleet, --group, --agent. */
export function createBackupBody(flags: ScopeFlags & { readonly name?: string }) {
  if (flags.name === undefined) throw new UsageError('--name is required');
  return { name: text('--name', flags.name, 128), scope: layerScope(flags).key };
}

/** The scope a listing keeps (none: every backup). */
export function listScope(flags: ScopeFlags): string | undefined {
  const none = !flags.fleet && flags.group === undefined && flags.agent === undefined;
  return none ? undefined : layerScope(flags).key;
}

/** Where a restore goes and what it sends: `<id>` restores a stored backup, --file uploads one. */
export function restoreRequest(id: string | undefined, flags: RestoreFlags) {
  if ((id === undefined) === (flags.file === undefined))
    throw new UsageError('give a backup id or --file backup.json, not both');
  const options = { dryRun: flags.dryRun === true, skipMissing: flags.skipMissing === true };
  if (id !== undefined)
    return { path: `/backups/${encodeURIComponent(agentId('<id>', id))}/restore`, body: options };
  // Sent as text: the server checks it (a truncated file is refused there, and audited).
  return {
    path: '/backups/restore',
    body: { document: readTextFile('--file', flags.file as string), ...options },
  };
}

export function readTextFile(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Writes a document to --out, or to stdout without it. */
export function writeDocument(out: string | undefined, textToWrite: string): void {
  if (out === undefined) {
    process.stdout.write(textToWrite.endsWith('\n') ? textToWrite : `${textToWrite}\n`);
    return;
  }
  try {
    writeFileSync(out, textToWrite);
  } catch (error) {
    throw new UsageError(`--out: cannot write ${out}: ${(error as Error).message}`);
  }
  process.stderr.write(`wrote ${Buffer.byteLength(textToWrite)} bytes to ${out}\n`);
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
const target = (a: Assignment) => `${a.targetKind}:${a.targetId}`;

/** One row per changed field, then one per assignment added or removed since the backup. */
export function diffRows(diff: {
  layers: { scope: string; changes: Change[] }[];
  assignments: { added: Assignment[]; removed: Assignment[] };
  missing: { kind: string; id: string }[];
}): Record<string, unknown>[] {
  return [
    ...diff.layers.flatMap((l) =>
      l.changes.map((c) => ({ scope: l.scope, change: c.path, backup: json(c.from), now: json(c.to) })),
    ),
    ...diff.assignments.added.map((a) => ({ scope: target(a), change: 'assigned since', now: a.policyName })),
    ...diff.assignments.removed.map((a) => ({
      scope: target(a),
      change: 'unassigned since',
      backup: a.policyName,
    })),
    ...diff.missing.map((m) => ({ scope: `${m.kind}:${m.id}`, change: 'gone since' })),
  ];
}

/** One row per field a restore changes (or changed), assignment, and skipped target. */
export function planRows(plan: {
  layers: { scope: string; changes: Change[]; revision?: number }[];
  assign: Assignment[];
  unassign: Assignment[];
  skipped: { kind: string; id: string }[];
}): Record<string, unknown>[] {
  return [
    ...plan.layers.flatMap((l) =>
      l.changes.map((c) => ({
        action: 'set',
        scope: l.scope,
        detail: `${c.path}: ${json(c.from) ?? '(unset)'} → ${json(c.to) ?? '(unset)'}`,
        revision: l.revision,
      })),
    ),
    ...plan.assign.map((a) => ({ action: 'assign', scope: target(a), detail: a.policyName })),
    ...plan.unassign.map((a) => ({ action: 'unassign', scope: target(a), detail: a.policyName })),
    ...plan.skipped.map((m) => ({
      action: 'skip',
      scope: `${m.kind}:${m.id}`,
      detail: 'gone since the backup',
    })),
  ];
}
