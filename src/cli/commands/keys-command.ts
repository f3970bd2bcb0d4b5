// `corral keys create|ls|revoke`: admin API keys (admins only). A new key is
// shown once; afterwards only its hint.
import { Command, Option } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { positiveInt } from './agents-command.js';
import { durationFlag } from './time-flags.js';

type Flags = AdminFlags & { output: OutputFormat };
const COLUMNS = ['id', 'name', 'role', 'state', 'createdAt', 'expiresAt', 'lastUsedAt'];
const ROLES = ['viewer', 'operator', 'admin'];

export function keysCommand(): Command {
  const keys = new Command('keys').description('admin API keys and their roles (viewer, operator, admin)');

  withAdminOptions(keys.command('create').description('create an API key (shown once)'))
    .addOption(outputOption())
    .requiredOption('--name <name>', 'who or what the key is for')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .option('--ttl <duration>', 'lifetime, e.g. 720h (at least 1m; default: no expiry)')
    .action(async (flags: Flags & { name: string; role: string; ttl?: string }) => {
      const ttlSeconds =
        flags.ttl === undefined ? undefined : Math.ceil(durationFlag('--ttl', flags.ttl) / 1000);
      const created = await adminClient(flags).post<Record<string, unknown>>('/api-keys', {
        name: flags.name,
        role: flags.role,
        ttlSeconds,
      });
      printRecords(flags.output, created, [created], ['id', 'name', 'role', 'key', 'expiresAt']);
      if (flags.output === 'table') process.stderr.write('The key is shown only this once.\n');
    });

  withAdminOptions(keys.command('ls').description('list API keys (never their values)'))
    .addOption(outputOption())
    .addOption(
      new Option('--limit <n>', 'at most this many keys').default('500').argParser(positiveInt('--limit')),
    )
    .action(async (flags: Flags & { limit: number }) => {
      const items = await adminClient(flags).getAll<Record<string, unknown>>('/api-keys', {}, flags.limit);
      printRecords(flags.output, { items }, items, COLUMNS);
    });

  withAdminOptions(keys.command('revoke').description('revoke an API key at once').argument('<id>', 'key id'))
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const revoked = await adminClient(flags).delete<Record<string, unknown>>(
        `/api-keys/${encodeURIComponent(id)}`,
      );
      printRecords(flags.output, revoked, [revoked], COLUMNS);
    });

  return keys;
}
