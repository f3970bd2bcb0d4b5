// `corral audit ls`: who changed what, oldest first — every admin mutation,
// refused ones included.
import { Command, Option } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { positiveInt } from './agents-command.js';
import { sinceFlag } from './time-flags.js';

type Flags = AdminFlags & {
  output: OutputFormat;
  actor?: string;
  action?: string;
  target?: string;
  outcome?: string;
  since?: string;
  limit: number;
};
const COLUMNS = ['at', 'actorName', 'action', 'targetKind', 'targetId', 'outcome', 'errorCode'];

export function auditCommand(): Command {
  const audit = new Command('audit').description('the audit log of admin changes');

  withAdminOptions(audit.command('ls').description('list audit entries, oldest first'))
    .addOption(outputOption())
    .option('--actor <actor>', 'api_key:<id> or system')
    .option('--action <action>', 'a dotted action such as agent.update')
    .option('--target <id>', 'entries about this id')
    .addOption(new Option('--outcome <outcome>', 'success or failure').choices(['success', 'failure']))
    .option('--since <time>', 'ISO-8601 time, or a duration ago such as 24h')
    .addOption(
      new Option('--limit <n>', 'at most this many entries').default('100').argParser(positiveInt('--limit')),
    )
    .action(async (flags: Flags) => {
      const items = await adminClient(flags).getAll<Record<string, unknown>>(
        '/audit',
        {
          actor: flags.actor,
          action: flags.action,
          targetId: flags.target,
          outcome: flags.outcome,
          since: flags.since === undefined ? undefined : sinceFlag('--since', flags.since),
        },
        flags.limit,
      );
      printRecords(flags.output, { items }, items, COLUMNS);
    });

  return audit;
}
