// `corral commands send|ls|get|cancel|watch|stats`: commands through the admin
// API. `send` builds the create request from flags (one of --agent, --agents,
// --selector, --group, --capability); `watch` polls a command until it finishes,
// reporting each status change on stderr and the final command on stdout.
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { COMMAND_JSON_STATUS_VALUES } from '../../features/commands/command-json.js';
import { COMMAND_PRIORITY_VALUES } from '../../features/commands/command-priority.js';
import { unavailable } from '../../shared/errors.js';
import { AdminApiError } from '../admin-client.js';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { UsageError } from '../usage-error.js';
import { positiveInt } from './agents-command.js';
import { agentId, jsonObject } from './agent-flags.js';
import { commandTypesCommand } from './command-types-command.js';
import { addEmergencyVerb } from './emergency-verb.js';
import { selector } from './group-flags.js';
import { durationFlag } from './time-flags.js';

type Flags = AdminFlags & { output: OutputFormat };
interface CommandJson extends Record<string, unknown> {
  id: string;
  status: string;
}
const COLUMNS = ['id', 'type', 'priority', 'agentId', 'parentId', 'status', 'createdAt'];
/** Statuses after which a command never changes again (partially_failed: a finished bulk parent). */
const FINISHED = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'expired', 'partially_failed']);
const POLL_INTERVAL_MS = 1000;

export interface SendFlags {
  readonly type: string;
  readonly agent?: string;
  readonly agents?: string;
  readonly selector?: string;
  readonly group?: string;
  readonly capability?: string;
  readonly count?: string;
  readonly labels?: string;
  readonly near?: string;
  readonly params?: string;
  readonly priority?: string;
  readonly timeout?: string;
}

/** The create-command body `send` posts; bad flags are UsageErrors naming the flag. */
export function sendRequestBody(flags: SendFlags): Record<string, unknown> {
  const targets = [flags.agent, flags.agents, flags.selector, flags.group, flags.capability].filter(
    (t) => t !== undefined,
  );
  if (targets.length !== 1)
    throw new UsageError('give exactly one of --agent, --agents, --selector, --group or --capability');
  if (flags.capability === undefined && (flags.count ?? flags.labels ?? flags.near) !== undefined)
    throw new UsageError('--count, --labels and --near go with --capability');
  return {
    type: flags.type,
    target: sendTarget(flags),
    ...(flags.params === undefined ? {} : { params: jsonObject('--params', flags.params) }),
    ...(flags.priority === undefined ? {} : { priority: flags.priority }),
    ...(flags.timeout === undefined ? {} : { timeoutSeconds: timeoutSeconds(flags.timeout) }),
  };
}

function commaItems(flag: string, text: string): string[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new UsageError(`${flag}: give at least one value`);
  return items;
}

/** `--selector env=prod,team=blue`: the shared label-pair reader (group-flags.ts). */
const selectorLabels = (text: string, flag = '--selector'): Record<string, string> => selector(flag, text);

function timeoutSeconds(text: string): number {
  const ms = durationFlag('--timeout', text);
  if (ms < 1000) throw new UsageError('--timeout: must be at least 1s');
  return Math.ceil(ms / 1000);
}

/** A refusal that names only the target: the flags were fine, the fleet does not hold what they named. */
function sendTarget(flags: SendFlags): Record<string, unknown> {
  if (flags.agent !== undefined) return { kind: 'agent', agentId: flags.agent };
  if (flags.agents !== undefined) return { kind: 'agents', agentIds: commaItems('--agents', flags.agents) };
  if (flags.selector !== undefined) return { kind: 'selector', labels: selectorLabels(flags.selector) };
  if (flags.group !== undefined) return { kind: 'group', groupId: agentId('--group', flags.group) };
  return {
    kind: 'capability',
    capability: flags.capability,
    count: flags.count === undefined ? 1 : positiveInt('--count')(flags.count),
    ...(flags.labels === undefined ? {} : { labels: selectorLabels(flags.labels, '--labels') }),
    ...(flags.near === undefined ? {} : { near: localityHint(flags.near) }),
  };
}

/** `--near 10.1.2.3`, `10.1.0.0/16`, `segment=dmz` or `label:key=value`. */
function localityHint(text: string): Record<string, string> {
  if (text.startsWith('segment=')) return { kind: 'segment', segment: text.slice('segment='.length) };
  if (text.startsWith('label:')) {
    const [key, ...value] = text.slice('label:'.length).split('=');
    if (!key || value.length === 0)
      throw new UsageError('--near label:<key>=<value>: give a key and a value');
    return { kind: 'label', key, value: value.join('=') };
  }
  if (text.includes('/')) return { kind: 'cidr', cidr: text };
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return { kind: 'ip', ip: text };
  throw new UsageError('--near: give an IPv4 address, a CIDR block, segment=<name> or label:<key>=<value>');
}

export const isTargetRefusal = (error: unknown): error is AdminApiError =>
  error instanceof AdminApiError &&
  error.status === 400 &&
  error.fields.length > 0 &&
  error.fields.every((field) => field.startsWith('target.'));

export function commandsCommand(): Command {
  const commands = new Command('commands').description('send, list, show, cancel and watch agent commands');

  withAdminOptions(
    commands
      .command('send')
      .description(
        'send a command to one agent, a list of agents, the agents a selector matches, a group, or N agents with a capability',
      ),
  )
    .addOption(outputOption())
    .requiredOption('--type <type>', 'command type, e.g. ping, scan, custom:name')
    .option('--agent <id>', 'one agent')
    .option('--agents <ids>', 'comma list of agents')
    .option('--selector <k=v,...>', 'every enrolled agent with these labels')
    .option('--group <id>', 'every enrolled member of a group (static or dynamic), as it is now')
    .option('--capability <name>', 'let the scheduler pick --count agents that have this capability')
    .option('--count <n>', 'with --capability: how many agents (default 1)')
    .option('--labels <k=v,...>', 'with --capability: only agents with these labels')
    .option(
      '--near <where>',
      'with --capability: prefer agents near an IPv4 address, CIDR, segment=<name> or label:<k>=<v>',
    )
    .option('--params <json>', 'parameters as a JSON object')
    .addOption(new Option('--priority <priority>', 'queue priority').choices(COMMAND_PRIORITY_VALUES))
    .option('--timeout <duration>', 'must finish within, e.g. 10m (default 1h)')
    .option('--idempotency-key <key>', 'retrying with the same key returns the first command')
    .action(async (flags: Flags & SendFlags & { idempotencyKey?: string }) => {
      const body = sendRequestBody(flags);
      const client = adminClient(flags);
      let created: { command: CommandJson; children: string[] };
      try {
        created = await client.post(
          '/commands',
          body,
          flags.idempotencyKey === undefined ? {} : { 'idempotency-key': flags.idempotencyKey },
        );
      } catch (error) {
        throw isTargetRefusal(error) ? error.asFailure() : error;
      }
      printRecords(flags.output, created, [created.command], COLUMNS);
      if (flags.output === 'table' && created.children.length > 0)
        process.stderr.write(`${created.children.length} per-agent commands under ${created.command.id}\n`);
    });

  withAdminOptions(commands.command('ls').description('list commands, newest first'))
    .addOption(outputOption())
    .option('--status <list>', `comma list of ${COMMAND_JSON_STATUS_VALUES.join(', ')}`)
    .option('--agent <id>', "one agent's commands")
    .option('--type <type>', 'command type')
    .addOption(
      new Option('--limit <n>', 'at most this many commands')
        .default('100')
        .argParser(positiveInt('--limit')),
    )
    .action(async (flags: Flags & { status?: string; agent?: string; type?: string; limit: number }) => {
      const items = await adminClient(flags).getAll<CommandJson>(
        '/commands',
        {
          status: flags.status,
          agentId: flags.agent,
          type: flags.type,
        },
        flags.limit,
      );
      printRecords(flags.output, { items }, items, COLUMNS);
    });

  withAdminOptions(commands.command('get').description('show one command').argument('<id>', 'command id'))
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const command = await adminClient(flags).get<CommandJson>(`/commands/${encodeURIComponent(id)}`);
      printRecords(flags.output, command, [command], [...COLUMNS, 'deadlineAt', 'params', 'error']);
    });

  withAdminOptions(
    commands
      .command('cancel')
      .description('cancel a command (a bulk parent: every unfinished per-agent command)')
      .argument('<id>', 'command id'),
  )
    .addOption(outputOption())
    .option('--reason <text>', 'recorded in the command history')
    .action(async (id: string, flags: Flags & { reason?: string }) => {
      const command = await adminClient(flags).post<CommandJson>(
        `/commands/${encodeURIComponent(id)}/cancel`,
        flags.reason === undefined ? undefined : { reason: flags.reason },
      );
      printRecords(flags.output, command, [command], COLUMNS);
    });

  withAdminOptions(
    commands
      .command('stats')
      .description('commands by status, and what the answering instance holds in memory'),
  )
    .addOption(outputOption())
    .action(async (flags: Flags) => {
      const stats = await adminClient(flags).get<{
        byStatus: Record<string, number>;
        unfinished: number;
        instance: Record<string, number>;
      }>('/commands/stats');
      const rows = [
        ...Object.entries(stats.byStatus).map(([name, value]) => ({ name: `status ${name}`, value })),
        { name: 'unfinished', value: stats.unfinished },
        ...Object.entries(stats.instance).map(([name, value]) => ({ name: `instance ${name}`, value })),
      ];
      printRecords(flags.output, stats, rows, ['name', 'value']);
    });

  withAdminOptions(
    commands
      .command('watch')
      .description('follow a command until it finishes; exits 1 if it has not by --timeout')
      .argument('<id>', 'command id'),
  )
    .addOption(outputOption())
    .option('--timeout <duration>', 'how long to wait', '60s')
    .action(async (id: string, flags: Flags & { timeout: string }) => {
      const waitMs = durationFlag('--timeout', flags.timeout);
      const client = adminClient(flags);
      const giveUpAt = Date.now() + waitMs;
      let last: string | undefined;
      for (;;) {
        const command = await client.get<CommandJson>(`/commands/${encodeURIComponent(id)}`);
        if (command.status !== last) {
          process.stderr.write(`${new Date().toISOString()} ${command.id} ${command.status}\n`);
          last = command.status;
        }
        if (FINISHED.has(command.status)) {
          printRecords(flags.output, command, [command], COLUMNS);
          return;
        }
        if (Date.now() + POLL_INTERVAL_MS > giveUpAt)
          throw unavailable(`command ${id} is still ${command.status} after ${flags.timeout}`);
        await sleep(POLL_INTERVAL_MS);
      }
    });

  addEmergencyVerb(commands);
  commands.addCommand(commandTypesCommand());
  return commands;
}
