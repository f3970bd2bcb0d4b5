// `corral sessions ls|end`: agent sessions (who is authenticated, until when)
// and ending one, which closes that agent's stream until it authenticates again.
import { Command, Option } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { positiveInt } from './agents-command.js';

type Flags = AdminFlags & { output: OutputFormat };
const COLUMNS = ['id', 'agentId', 'createdAt', 'expiresAt', 'peer'];

export function sessionsCommand(): Command {
  const sessions = new Command('sessions').description('agent sessions: list them, end one');

  withAdminOptions(sessions.command('ls').description('list agent sessions'))
    .addOption(outputOption())
    .option('--agent <id>', "only this agent's sessions")
    .addOption(
      new Option('--limit <n>', 'at most this many sessions')
        .default('500')
        .argParser(positiveInt('--limit')),
    )
    .action(async (flags: Flags & { agent?: string; limit: number }) => {
      const items = await adminClient(flags).getAll<Record<string, unknown>>(
        '/sessions',
        { agentId: flags.agent },
        flags.limit,
      );
      printRecords(flags.output, { items }, items, COLUMNS);
    });

  withAdminOptions(
    sessions
      .command('end')
      .description('end a session: its token stops working and the agent must authenticate again')
      .argument('<id>', 'session id'),
  )
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      await adminClient(flags).delete(`/sessions/${encodeURIComponent(id)}`);
      const ended = { id, ended: true };
      printRecords(flags.output, ended, [ended], ['id', 'ended']);
    });

  return sessions;
}
