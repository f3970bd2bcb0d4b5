// `corral backup create|ls|get|download|diff|restore|export|import`:
// configuration backups and full state transfer through the admin API.
// `download` and `export` write the document to --out (or stdout); `restore`
// takes a backup id or a downloaded --file and shows the plan (--dry-run
// changes nothing); `import` sends a state export to an empty instance. Exit
// codes: 0 ok, 1 refused by the server (a missing backup, a non-empty
// instance), 2 bad flags or a document the server calls invalid.
import { Command, Option } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { progressBar } from '../progress.js';
import { agentId } from './agent-flags.js';
import { positiveInt } from './agents-command.js';
import {
  createBackupBody,
  diffRows,
  listScope,
  planRows,
  restoreRequest,
  writeDocument,
  type RestoreFlags,
} from './backup-flags.js';
import { readJsonObjectFile } from './command-types-command.js';
import type { ScopeFlags } from './config-flags.js';
import { UsageError } from '../usage-error.js';

type Flags = AdminFlags & { output: OutputFormat };

const COLUMNS = ['id', 'name', 'scope', 'createdAt', 'createdBy', 'size'];
const path = (id: string) => `/backups/${encodeURIComponent(agentId('<id>', id))}`;

const scopeOptions = (command: Command, what: string) =>
  command
    .option('--fleet', `${what} the fleet`)
    .option('--group <id>', `${what} a group (its layer, its members')`)
    .option('--agent <id>', `${what} one agent`);

export function backupCommand(): Command {
  const backup = new Command('backup').description(
    'configuration backups (create, list, diff, restore) and full state export and import',
  );

  withAdminOptions(scopeOptions(backup.command('create').description('back up a scope now'), 'back up'))
    .addOption(outputOption())
    .option('--name <name>', 'what to call the backup (required)')
    .option('--idempotency-key <key>', 'retrying with the same key returns the first backup')
    .action(async (flags: Flags & ScopeFlags & { name?: string; idempotencyKey?: string }) => {
      const body = createBackupBody(flags);
      const headers: Record<string, string> =
        flags.idempotencyKey === undefined ? {} : { 'idempotency-key': flags.idempotencyKey };
      const created = await adminClient(flags).post<Record<string, unknown>>('/backups', body, headers);
      printRecords(flags.output, created, [created], [...COLUMNS, 'checksum']);
    });

  withAdminOptions(scopeOptions(backup.command('ls').description('list backups, newest first'), 'only of'))
    .addOption(outputOption())
    .addOption(new Option('--limit <n>', 'at most this many').default('50').argParser(positiveInt('--limit')))
    .action(async (flags: Flags & ScopeFlags & { limit: number }) => {
      const scope = listScope(flags);
      const items = await adminClient(flags).getAll<Record<string, unknown>>(
        '/backups',
        { scope },
        flags.limit,
      );
      printRecords(flags.output, { items }, items, COLUMNS);
    });

  withAdminOptions(backup.command('get').description('show what a backup holds').argument('<id>'))
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const found = await adminClient(flags).get<Record<string, unknown> & { layers: { scope: string }[] }>(
        path(id),
      );
      const row = { ...found, layers: found.layers.map((l) => l.scope) };
      printRecords(flags.output, found, [row], [...COLUMNS, 'checksum', 'layers']);
    });

  withAdminOptions(
    backup.command('download').description('write a backup document to a file').argument('<id>'),
  )
    .option('--out <file>', 'where to write it (default: stdout)')
    .action(async (id: string, flags: AdminFlags & { out?: string }) => {
      const document = await adminClient(flags).get<unknown>(`${path(id)}/download`);
      writeDocument(flags.out, JSON.stringify(document));
    });

  withAdminOptions(backup.command('diff').description('what changed since a backup').argument('<id>'))
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const diff = await adminClient(flags).get<Parameters<typeof diffRows>[0]>(`${path(id)}/diff`);
      printRecords(flags.output, diff, diffRows(diff), ['scope', 'change', 'backup', 'now']);
    });

  withAdminOptions(
    backup
      .command('restore')
      .description('restore a backup (by id, or a downloaded --file); --dry-run shows what would change')
      .argument('[id]'),
  )
    .addOption(outputOption())
    .option('--file <file>', 'a downloaded backup document')
    .option('--dry-run', 'only show what would change')
    .option(
      '--skip-missing',
      'restore what still exists when the backup names a group, agent or policy that is gone',
    )
    .action(async (id: string | undefined, flags: Flags & RestoreFlags) => {
      const request = restoreRequest(id, flags);
      const plan = await adminClient(flags).post<Parameters<typeof planRows>[0] & { dryRun: boolean }>(
        request.path,
        request.body,
      );
      printRecords(flags.output, plan, planRows(plan), ['action', 'scope', 'detail', 'revision']);
      if (flags.output === 'table')
        process.stderr.write(plan.dryRun ? 'dry run: nothing was changed\n' : 'restored\n');
    });

  withAdminOptions(backup.command('export').description('export the whole configuration state (admin)'))
    .option('--out <file>', 'where to write it (default: stdout)')
    .option('--history', 'every configuration revision, not only the current ones')
    .action(async (flags: AdminFlags & { out?: string; history?: boolean }) => {
      const query = { history: flags.history ? 'true' : 'false' };
      const bar = progressBar('bytes');
      try {
        const document = await adminClient(flags).download<unknown>(
          '/state/export',
          query,
          (received, total) => bar.update(received, Math.max(total, received), 'downloading the export'),
        );
        bar.stop();
        writeDocument(flags.out, JSON.stringify(document));
      } finally {
        bar.stop();
      }
    });

  withAdminOptions(
    backup.command('import').description('import a state export into an empty instance (admin)'),
  )
    .addOption(outputOption())
    .option('--file <file>', 'the state export (required)')
    .action(async (flags: Flags & { file?: string }) => {
      if (flags.file === undefined) throw new UsageError('--file is required');
      const document = readJsonObjectFile('--file', flags.file);
      const result = await adminClient(flags).post<{ imported: Record<string, number> }>(
        '/state/import',
        document,
      );
      const rows = Object.entries(result.imported).map(([what, count]) => ({ what, count }));
      printRecords(flags.output, result, rows, ['what', 'count']);
    });

  return backup;
}
