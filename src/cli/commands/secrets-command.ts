// `corral secrets create|ls|revoke`: enrollment secrets through the admin API.
import { Command, Option } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { positiveInt } from './agents-command.js';
import { durationFlag } from './time-flags.js';

type Flags = AdminFlags & { output: OutputFormat };
const COLUMNS = ['id', 'name', 'hint', 'state', 'uses', 'maxUses', 'expiresAt'];

export function secretsCommand(): Command {
  const secrets = new Command('secrets').description(
    'enrollment secrets that agents exchange for a credential',
  );

  withAdminOptions(secrets.command('create').description('create an enrollment secret (shown once)'))
    .addOption(outputOption())
    .requiredOption('--name <name>', 'what the secret is for')
    .addOption(
      new Option('--max-uses <n>', 'how many agents may enroll with it').argParser(positiveInt('--max-uses')),
    )
    .option('--ttl <duration>', 'lifetime, e.g. 24h')
    .option('--group <id>', 'group the enrolled agents join')
    .action(async (flags: Flags & { name: string; maxUses?: number; ttl?: string; group?: string }) => {
      const ttlSeconds =
        flags.ttl === undefined ? undefined : Math.ceil(durationFlag('--ttl', flags.ttl) / 1000);
      const created = await adminClient(flags).post<Record<string, unknown>>('/enrollment-secrets', {
        name: flags.name,
        maxUses: flags.maxUses,
        ttlSeconds,
        groupId: flags.group,
      });
      printRecords(flags.output, created, [created], ['id', 'name', 'secret', 'maxUses', 'expiresAt']);
      if (flags.output === 'table') process.stderr.write('The secret is shown only this once.\n');
    });

  withAdminOptions(secrets.command('ls').description('list enrollment secrets (never their values)'))
    .addOption(outputOption())
    .action(async (flags: Flags) => {
      const page = await adminClient(flags).get<{ items: Record<string, unknown>[] }>('/enrollment-secrets', {
        pageSize: '500',
      });
      printRecords(flags.output, page, page.items, COLUMNS);
    });

  withAdminOptions(
    secrets.command('revoke').description('revoke an enrollment secret').argument('<id>', 'secret id'),
  )
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const revoked = await adminClient(flags).delete<Record<string, unknown>>(
        `/enrollment-secrets/${encodeURIComponent(id)}`,
      );
      printRecords(flags.output, revoked, [revoked], COLUMNS);
    });

  return secrets;
}
