// The `corral` command line: server, reference agent, simulator and admin verbs.
// Exit codes: 0 success, 1 failure, 2 bad usage (flags, settings).
import { Command, CommanderError } from 'commander';
import { CORRAL_VERSION } from '../app/version.js';
import { AdminApiError } from './admin-client.js';
import { agentCommand } from './commands/agent-command.js';
import { agentsCommand } from './commands/agents-command.js';
import { auditCommand } from './commands/audit-command.js';
import { backupCommand } from './commands/backup-command.js';
import { commandsCommand } from './commands/commands-command.js';
import { complianceCommand, configCommand } from './commands/config-command.js';
import { eventsCommand } from './commands/events-command.js';
import { groupsCommand } from './commands/groups-command.js';
import { keysCommand } from './commands/keys-command.js';
import { loadtestCommand } from './commands/loadtest-command.js';
import { policiesCommand } from './commands/policies-command.js';
import { secretsCommand } from './commands/secrets-command.js';
import { serveCommand } from './commands/serve-command.js';
import { sessionsCommand } from './commands/sessions-command.js';
import { simulateCommand } from './commands/simulate-command.js';
import { maintenanceCommand, statusCommand } from './commands/status-command.js';
import { ErrorCode, isCorralError } from '../shared/errors.js';
import { isUsageError } from './usage-error.js';

export function buildProgram(): Command {
  const program = new Command('corral')
    .description('Corral: a control plane for fleets of security agents')
    .version(CORRAL_VERSION)
    .showHelpAfterError()
    .addCommand(serveCommand())
    .addCommand(agentCommand())
    .addCommand(simulateCommand())
    .addCommand(loadtestCommand())
    .addCommand(agentsCommand())
    .addCommand(commandsCommand())
    .addCommand(configCommand())
    .addCommand(complianceCommand())
    .addCommand(policiesCommand())
    .addCommand(groupsCommand())
    .addCommand(backupCommand())
    .addCommand(secretsCommand())
    .addCommand(keysCommand())
    .addCommand(sessionsCommand())
    .addCommand(eventsCommand())
    .addCommand(auditCommand())
    .addCommand(statusCommand())
    .addCommand(maintenanceCommand());
  const exitOnError = (command: Command) => {
    command.exitOverride();
    command.configureOutput({ writeErr: (text) => process.stderr.write(text) });
    command.commands.forEach(exitOnError);
  };
  exitOnError(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    if (isUsageError(error)) {
      process.stderr.write(`corral: ${error.message}\n`);
      return 2;
    }
    if (isCorralError(error)) {
      // An expected refusal (e.g. the server refused the agent's credential): the message says it all.
      process.stderr.write(`corral: ${error.message}\n`);
      return error.code === ErrorCode.InvalidArgument ? 2 : 1;
    }
    if (error instanceof AdminApiError) {
      process.stderr.write(`corral: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`corral: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
