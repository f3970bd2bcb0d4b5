// `corral instances ls|drain|resume`: the instances sharing a fleet, and an
// operator drain of one of them (its agents move to the others) through the
// admin API of any instance.
import { Command } from 'commander';
import { isInstanceId } from '../../infra/bus/instance-messenger.js';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { UsageError } from '../usage-error.js';

type Flags = AdminFlags & { output: OutputFormat };
const COLUMNS = ['instanceId', 'state', 'agents', 'address', 'version', 'startedAt', 'seenAt'];

/** An INSTANCE_ID as given on the command line; a UsageError naming the argument otherwise. */
export function instanceIdArgument(value: string): string {
  if (!isInstanceId(value))
    throw new UsageError(`<instance-id>: ${JSON.stringify(value)} must be 1-64 of [A-Za-z0-9._-]`);
  return value;
}

export function instancesCommand(): Command {
  const instances = new Command('instances').description(
    'the instances sharing this fleet; drain one to move its agents to the others',
  );

  withAdminOptions(instances.command('ls').description('list live instances, their state and agent counts'))
    .addOption(outputOption())
    .action(async (flags: Flags) => {
      const list = await adminClient(flags).get<{ items: Record<string, unknown>[] }>('/instances');
      printRecords(flags.output, list, list.items, COLUMNS);
    });

  const request = (verb: 'drain' | 'resume', description: string) =>
    withAdminOptions(
      instances
        .command(verb)
        .description(description)
        .argument('<instance-id>', 'INSTANCE_ID of the instance'),
    )
      .addOption(outputOption())
      .action(async (id: string, flags: Flags) => {
        const answer = await adminClient(flags).post<Record<string, unknown>>(
          `/instances/${encodeURIComponent(instanceIdArgument(id))}/${verb}`,
        );
        printRecords(flags.output, answer, [answer], ['instanceId', 'state']);
        if (flags.output === 'table')
          process.stderr.write(`Requested; follow it with: corral instances ls\n`);
      });
  request(
    'drain',
    'drain an instance: it refuses new agents, reports not ready, and tells its agents to move, in waves',
  );
  request('resume', 'resume a drained instance: it accepts agents again');

  return instances;
}
