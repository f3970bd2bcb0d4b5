// `corral commands emergency <shutdown|restart|isolate>`: one emergency command
// for the whole fleet, a selector or a group (admin only). The server wants the
// action repeated as a confirmation: `--confirm <action>` gives it; without it,
// on a terminal the operator is asked to type the action, elsewhere it is refused.
import { createInterface } from 'node:readline/promises';
import { Argument, Option, type Command } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { UsageError } from '../usage-error.js';
import { agentId } from './agent-flags.js';
import { selector } from './group-flags.js';

const ACTIONS = ['shutdown', 'restart', 'isolate'];

interface EmergencyFlags extends AdminFlags {
  readonly output: OutputFormat;
  readonly fleet?: boolean;
  readonly selector?: string;
  readonly group?: string;
  readonly reason: string;
  readonly confirm?: string;
}

/** The scope the flags name; exactly one of --fleet, --selector, --group. */
export function emergencyScope(flags: Pick<EmergencyFlags, 'fleet' | 'selector' | 'group'>) {
  const given = [flags.fleet === true, flags.selector !== undefined, flags.group !== undefined];
  if (given.filter(Boolean).length !== 1)
    throw new UsageError('give exactly one of --fleet, --selector or --group');
  if (flags.fleet) return { kind: 'fleet' };
  if (flags.selector !== undefined)
    return { kind: 'selector', labels: selector('--selector', flags.selector) };
  return { kind: 'group', groupId: agentId('--group', flags.group ?? '') };
}

async function askToConfirm(action: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError(`an emergency must be confirmed: add --confirm ${action}`);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question(`Type "${action}" to send it to every agent in scope: `)).trim();
  } finally {
    prompt.close();
  }
}

export function addEmergencyVerb(commands: Command): void {
  withAdminOptions(
    commands
      .command('emergency')
      .description('shut down, restart or isolate the fleet, a selector or a group at once (admin)')
      .addArgument(new Argument('<action>', 'shutdown, restart or isolate').choices(ACTIONS)),
  )
    .addOption(outputOption())
    .option('--fleet', 'every enrolled agent')
    .option('--selector <k=v,...>', 'every enrolled agent with these labels')
    .option('--group <id>', 'every member of a group')
    .requiredOption('--reason <text>', 'why, for the audit log and the agents')
    .addOption(new Option('--confirm <action>', 'repeat the action to confirm without a prompt'))
    .action(async (action: string, flags: EmergencyFlags) => {
      const scope = emergencyScope(flags);
      const confirm = flags.confirm ?? (await askToConfirm(action));
      if (confirm !== action) throw new UsageError(`not confirmed: type "${action}" exactly`);
      const created = await adminClient(flags).post<{ command: Record<string, unknown>; children: string[] }>(
        '/commands/emergency',
        { action, scope, confirm, reason: flags.reason },
      );
      printRecords(flags.output, created, [created.command], ['id', 'type', 'status', 'priority']);
      if (flags.output === 'table')
        process.stderr.write(
          `${created.children.length} agents in scope under ${String(created.command.id)}\n`,
        );
    });
}
