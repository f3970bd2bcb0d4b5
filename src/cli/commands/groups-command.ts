// `corral groups ls|get|create|update|rm|members|add|remove|summary`: agent
// groups through the admin API. `update` sends If-Match with the revision it
// read (or --revision), so a concurrent change makes it fail (exit 1) instead
// of being overwritten. Unknown agents named to add exit 1 (the flags were
// fine, the fleet lacks the agent), as `commands send` does for targets.
import { Command, Option } from 'commander';
import { AdminApiError } from '../admin-client.js';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { agentId } from './agent-flags.js';
import { positiveInt } from './agents-command.js';
import {
  createGroupBody,
  updateGroupBody,
  type CreateGroupFlags,
  type GroupDefinitionFlags,
} from './group-flags.js';

type Flags = AdminFlags & { output: OutputFormat };
interface GroupJson extends Record<string, unknown> {
  id: string;
  revision: number;
}
interface SummaryJson {
  members: number;
  byStatus: Record<string, number>;
  byHealth: Record<string, number>;
  compliance: Record<string, number> | null;
}

export const GROUP_COLUMNS = ['id', 'name', 'kind', 'priority', 'selector', 'revision'];
const DETAIL_COLUMNS = [...GROUP_COLUMNS, 'description', 'updatedAt', 'updatedBy'];
const MEMBER_COLUMNS = ['agentId', 'name', 'status', 'health', 'labels', 'addedAt'];
const path = (id: string) => `/groups/${encodeURIComponent(id)}`;

const revisionOption = (description: string) =>
  new Option('--revision <n>', description).argParser(positiveInt('--revision'));

/** Agent ids from the command line, each checked like --agent. */
const agentIds = (ids: readonly string[]) => ids.map((id) => agentId('<agent-ids>', id));

/** Refusals naming only agentIds.N: the request was well-formed, the fleet lacked what it named. */
const asFleetRefusal = (error: unknown) =>
  error instanceof AdminApiError &&
  error.status === 400 &&
  error.fields.length > 0 &&
  error.fields.every((field) => field.startsWith('agentIds.'))
    ? error.asFailure()
    : error;

export function groupsCommand(): Command {
  const groups = new Command('groups').description('agent groups: static members or a label selector');

  withAdminOptions(groups.command('ls').description('list groups'))
    .addOption(outputOption())
    .addOption(new Option('--kind <kind>', 'only static or dynamic groups').choices(['static', 'dynamic']))
    .option('-q, --search <text>', 'name contains')
    .addOption(
      new Option('--limit <n>', 'at most this many').default('500').argParser(positiveInt('--limit')),
    )
    .action(async (flags: Flags & { kind?: string; search?: string; limit: number }) => {
      const items = await adminClient(flags).getAll<GroupJson>(
        '/groups',
        { kind: flags.kind, q: flags.search },
        flags.limit,
      );
      printRecords(flags.output, { items }, items, GROUP_COLUMNS);
    });

  withAdminOptions(groups.command('get').description('show one group').argument('<id>', 'group id'))
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const group = await adminClient(flags).get<GroupJson>(path(id));
      printRecords(flags.output, group, [group], DETAIL_COLUMNS);
    });

  withAdminOptions(
    groups.command('create').description('create a static group, or a dynamic one with --selector'),
  )
    .addOption(outputOption())
    .requiredOption('--name <name>', 'unique name')
    .option('--kind <kind>', 'static or dynamic (default: dynamic with --selector, else static)')
    .option('--selector <k=v,...>', 'dynamic: every enrolled agent with these labels')
    .option('--description <text>', 'what the group is for')
    .option('--priority <n>', '-1000..1000; the highest wins when an agent is in several groups (default 0)')
    .option('--idempotency-key <key>', 'retrying with the same key returns the first group')
    .action(async (flags: Flags & CreateGroupFlags & { idempotencyKey?: string }) => {
      const body = createGroupBody(flags);
      const headers: Record<string, string> =
        flags.idempotencyKey === undefined ? {} : { 'idempotency-key': flags.idempotencyKey };
      const created = await adminClient(flags).post<GroupJson>('/groups', body, headers);
      printRecords(flags.output, created, [created], DETAIL_COLUMNS);
    });

  withAdminOptions(
    groups
      .command('update')
      .description("change a group's name, description, selector or priority")
      .argument('<id>'),
  )
    .addOption(outputOption())
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .option('--selector <k=v,...>', 'dynamic groups: the new selector (replaces the old one)')
    .option('--priority <n>', '-1000..1000')
    .addOption(revisionOption('only if the group is still at this revision (default: the one read)'))
    .action(async (id: string, flags: Flags & GroupDefinitionFlags & { revision?: number }) => {
      const body = updateGroupBody(flags);
      const client = adminClient(flags);
      const revision = flags.revision ?? (await client.get<GroupJson>(path(id))).revision;
      const updated = await client.patch<GroupJson>(path(id), body, { 'if-match': `"${revision}"` });
      printRecords(flags.output, updated, [updated], DETAIL_COLUMNS);
    });

  withAdminOptions(
    groups.command('rm').description('delete a group (agents are not touched)').argument('<id>'),
  )
    .addOption(outputOption())
    .addOption(revisionOption('only if the group is still at this revision'))
    .action(async (id: string, flags: Flags & { revision?: number }) => {
      const headers: Record<string, string> =
        flags.revision === undefined ? {} : { 'if-match': `"${flags.revision}"` };
      await adminClient(flags).delete(path(id), headers);
      const deleted = { id, deleted: true };
      printRecords(flags.output, deleted, [deleted], ['id', 'deleted']);
    });

  withAdminOptions(groups.command('members').description("list a group's enrolled members").argument('<id>'))
    .addOption(outputOption())
    .addOption(
      new Option('--limit <n>', 'at most this many').default('500').argParser(positiveInt('--limit')),
    )
    .action(async (id: string, flags: Flags & { limit: number }) => {
      const items = await adminClient(flags).getAll<Record<string, unknown>>(
        `${path(id)}/members`,
        {},
        flags.limit,
      );
      printRecords(flags.output, { items }, items, MEMBER_COLUMNS);
    });

  for (const [verb, route, description] of [
    ['add', 'members', 'add agents to a static group'],
    ['remove', 'members/remove', 'remove agents from a static group'],
  ] as const) {
    withAdminOptions(
      groups.command(verb).description(description).argument('<id>', 'group id').argument('<agent-ids...>'),
    )
      .addOption(outputOption())
      .action(async (id: string, ids: string[], flags: Flags) => {
        const body = { agentIds: agentIds(ids) };
        let result: Record<string, unknown>;
        try {
          result = await adminClient(flags).post(`${path(id)}/${route}`, body);
        } catch (error) {
          throw asFleetRefusal(error);
        }
        const columns =
          verb === 'add' ? ['groupId', 'added', 'alreadyMembers'] : ['groupId', 'removed', 'notMembers'];
        printRecords(flags.output, result, [result], columns);
      });
  }

  withAdminOptions(
    groups.command('summary').description("a group's members by connectivity and health").argument('<id>'),
  )
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const summary = await adminClient(flags).get<SummaryJson>(`${path(id)}/summary`);
      const rows = [
        { name: 'members', value: summary.members },
        ...Object.entries(summary.byStatus).map(([name, value]) => ({ name: `status ${name}`, value })),
        ...Object.entries(summary.byHealth).map(([name, value]) => ({ name: `health ${name}`, value })),
        ...Object.entries(summary.compliance ?? {}).map(([name, value]) => ({
          name: `compliance ${name}`,
          value,
        })),
      ];
      printRecords(flags.output, summary, rows, ['name', 'value']);
    });

  return groups;
}
