// `corral policies ls|get|create|update|rm|versions|assign|unassign|assignments`:
// security policies through the admin API (`corral agents policies <id>` is in
// agent-policies-verb.ts).
// create and update take the whole body from --file and/or the rules document
// ({defaultAction, rules}) from --rules-file, flags winning over files. update
// reads the policy first, keeps what nothing replaces, and sends If-Match (the
// version read, or --policy-version), so a concurrent change fails it (exit 1) instead
// of being overwritten. The version flag is --policy-version: the root
// program's --version (print Corral's version) is recognised anywhere.
import { Command, Option } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { UsageError } from '../usage-error.js';
import { agentId, collect, wholeNumber } from './agent-flags.js';
import { readJsonObjectFile } from './command-types-command.js';

type Flags = AdminFlags & { output: OutputFormat };
interface PolicyJson extends Record<string, unknown> {
  id: string;
  version: number;
}
export interface DefinitionFlags {
  readonly file?: string;
  readonly rulesFile?: string;
  readonly name?: string;
  readonly description?: string;
  readonly mode?: string;
  readonly reason?: string;
}

const COLUMNS = ['id', 'name', 'mode', 'version', 'defaultAction', 'ruleCount', 'updatedAt'];
const DETAIL_COLUMNS = [
  'id',
  'name',
  'mode',
  'version',
  'defaultAction',
  'description',
  'updatedAt',
  'updatedBy',
];
const VERSION_COLUMNS = ['version', 'mode', 'ruleCount', 'author', 'createdAt', 'reason'];
const ASSIGNMENT_COLUMNS = ['targetKind', 'targetId', 'assignedAt', 'assignedBy'];
const path = (id: string, rest = '') => `/policies/${encodeURIComponent(id)}${rest}`;
const count = (flag: string) => (value: string) => wholeNumber(flag, value, 1, 1_000_000_000);
const limitOption = (what: string) =>
  new Option('--limit <n>', `at most this many ${what}`).default(500).argParser(count('--limit'));

/** The create or update body: flags over --rules-file over --file over `current` (the stored policy). */
export function policyBody(
  flags: DefinitionFlags,
  current?: Record<string, unknown>,
): Record<string, unknown> {
  const file = flags.file === undefined ? {} : readJsonObjectFile('--file', flags.file);
  const rules = flags.rulesFile === undefined ? {} : readJsonObjectFile('--rules-file', flags.rulesFile);
  for (const key of Object.keys(rules))
    if (key !== 'defaultAction' && key !== 'rules')
      throw new UsageError(
        `--rules-file: ${flags.rulesFile} may hold only defaultAction and rules, not ${key}`,
      );
  const base = current
    ? pick(current, ['name', 'description', 'mode', 'defaultAction', 'rules'])
    : ({} as Record<string, unknown>);
  const given = Object.fromEntries(
    (['name', 'description', 'mode', 'reason'] as const)
      .filter((key) => flags[key] !== undefined)
      .map((key) => [key, flags[key]]),
  );
  return { ...base, ...file, ...rules, ...given };
}

const pick = (value: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(keys.filter((key) => key in value).map((key) => [key, value[key]]));

const definitionOptions = (command: Command, keep: string) =>
  command
    .addOption(outputOption())
    .option('--file <file>', `the policy as JSON: name, description, mode, defaultAction, rules${keep}`)
    .option('--rules-file <file>', `the rules document as JSON: {"defaultAction", "rules"}${keep}`)
    .option('--name <name>', `unique name${keep}`)
    .option('--description <text>', `what the policy is for${keep}`)
    .addOption(new Option('--mode <mode>', `enforce or monitor${keep}`).choices(['enforce', 'monitor']))
    .option('--reason <text>', 'why this version exists (kept with it)');

export function policiesCommand(): Command {
  const policies = new Command('policies').description(
    'security policies: versions, and assignments to agents and groups',
  );

  withAdminOptions(policies.command('ls').description('list policies'))
    .addOption(outputOption())
    .addOption(
      new Option('--mode <mode>', 'only enforce or monitor policies').choices(['enforce', 'monitor']),
    )
    .option('-q, --search <text>', 'name contains')
    .addOption(limitOption('policies'))
    .action(async (flags: Flags & { mode?: string; search?: string; limit: number }) => {
      const query = { mode: flags.mode, q: flags.search };
      const items = await adminClient(flags).getAll<PolicyJson>('/policies', query, flags.limit);
      printRecords(flags.output, { items }, items, COLUMNS);
    });

  withAdminOptions(
    policies.command('get').description('show a policy (-o json for its rules)').argument('<id>'),
  )
    .addOption(outputOption())
    .addOption(new Option('--policy-version <n>', 'an earlier version').argParser(count('--policy-version')))
    .action(async (id: string, flags: Flags & { policyVersion?: number }) => {
      const rest = flags.policyVersion === undefined ? '' : `/versions/${flags.policyVersion}`;
      const policy = await adminClient(flags).get<PolicyJson>(path(id, rest));
      printRecords(
        flags.output,
        policy,
        [policy],
        flags.policyVersion === undefined ? DETAIL_COLUMNS : VERSION_COLUMNS,
      );
    });

  definitionOptions(
    withAdminOptions(policies.command('create').description('create a policy (version 1)')),
    '',
  )
    .option('--idempotency-key <key>', 'retrying with the same key returns the first creation')
    .action(async (flags: Flags & DefinitionFlags & { idempotencyKey?: string }) => {
      if (flags.file === undefined && flags.rulesFile === undefined)
        throw new UsageError('give --file or --rules-file (with --name and --mode)');
      const headers: Record<string, string> =
        flags.idempotencyKey === undefined ? {} : { 'idempotency-key': flags.idempotencyKey };
      const created = await adminClient(flags).post<PolicyJson>('/policies', policyBody(flags), headers);
      printRecords(flags.output, created, [created], DETAIL_COLUMNS);
    });

  definitionOptions(
    withAdminOptions(
      policies.command('update').description('change a policy (a new version)').argument('<id>'),
    ),
    ' (default: keep)',
  )
    .addOption(
      new Option(
        '--policy-version <n>',
        'only if the policy is still at this version (default: the one read)',
      ).argParser(count('--policy-version')),
    )
    .action(async (id: string, flags: Flags & DefinitionFlags & { policyVersion?: number }) => {
      const changes = [flags.file, flags.rulesFile, flags.name, flags.description, flags.mode];
      if (changes.every((value) => value === undefined))
        throw new UsageError('give at least one of --file, --rules-file, --name, --description, --mode');
      const client = adminClient(flags);
      const current = await client.get<PolicyJson>(path(id));
      const headers = { 'if-match': `"${flags.policyVersion ?? current.version}"` };
      const updated = await client.put<PolicyJson>(path(id), policyBody(flags, current), headers);
      printRecords(flags.output, updated, [updated], DETAIL_COLUMNS);
    });

  withAdminOptions(policies.command('rm').description('delete a policy').argument('<id>'))
    .addOption(outputOption())
    .option('--force', 'delete even while assigned (the assignments go too)')
    .addOption(
      new Option('--policy-version <n>', 'only if the policy is still at this version').argParser(
        count('--policy-version'),
      ),
    )
    .action(async (id: string, flags: Flags & { force?: boolean; policyVersion?: number }) => {
      const headers: Record<string, string> =
        flags.policyVersion === undefined ? {} : { 'if-match': `"${flags.policyVersion}"` };
      await adminClient(flags).delete(path(id, flags.force ? '?force=true' : ''), headers);
      printRecords(flags.output, { id, deleted: true }, [{ id, deleted: true }], ['id', 'deleted']);
    });

  withAdminOptions(
    policies.command('versions').description("list a policy's versions, newest first").argument('<id>'),
  )
    .addOption(outputOption())
    .addOption(limitOption('versions'))
    .action(async (id: string, flags: Flags & { limit: number }) => {
      const items = await adminClient(flags).getAll<Record<string, unknown>>(
        path(id, '/versions'),
        {},
        flags.limit,
      );
      printRecords(flags.output, { items }, items, VERSION_COLUMNS);
    });

  withAdminOptions(
    policies.command('assign').description('assign a policy to agents and/or groups').argument('<id>'),
  )
    .addOption(outputOption())
    .option('--agent <id>', 'an agent (repeatable)', collect)
    .option('--group <id>', 'a group (repeatable)', collect)
    .action(async (id: string, flags: Flags & { agent?: string[]; group?: string[] }) => {
      const agentIds = (flags.agent ?? []).map((value) => agentId('--agent', value));
      const groupIds = (flags.group ?? []).map((value) => agentId('--group', value));
      if (agentIds.length + groupIds.length === 0)
        throw new UsageError('give at least one --agent or --group');
      const body = { ...(agentIds.length ? { agentIds } : {}), ...(groupIds.length ? { groupIds } : {}) };
      const result = await adminClient(flags).post<{ results: Record<string, unknown>[] }>(
        path(id, '/assignments'),
        body,
      );
      printRecords(flags.output, result, result.results, ['targetKind', 'targetId', 'outcome']);
    });

  withAdminOptions(
    policies.command('unassign').description('unassign a policy from an agent or a group').argument('<id>'),
  )
    .addOption(outputOption())
    .option('--agent <id>', 'the agent')
    .option('--group <id>', 'the group')
    .action(async (id: string, flags: Flags & { agent?: string; group?: string }) => {
      if ((flags.agent === undefined) === (flags.group === undefined))
        throw new UsageError('give exactly one of --agent or --group');
      const [kind, target] =
        flags.agent !== undefined
          ? ['agents', agentId('--agent', flags.agent)]
          : ['groups', agentId('--group', flags.group ?? '')];
      await adminClient(flags).delete(path(id, `/assignments/${kind}/${encodeURIComponent(target)}`));
      const row = {
        id,
        targetKind: kind === 'agents' ? 'agent' : 'group',
        targetId: target,
        unassigned: true,
      };
      printRecords(flags.output, row, [row], ['id', 'targetKind', 'targetId', 'unassigned']);
    });

  withAdminOptions(
    policies.command('assignments').description("list a policy's assignments").argument('<id>'),
  )
    .addOption(outputOption())
    .addOption(limitOption('assignments'))
    .action(async (id: string, flags: Flags & { limit: number }) => {
      const items = await adminClient(flags).getAll<Record<string, unknown>>(
        path(id, '/assignments'),
        {},
        flags.limit,
      );
      printRecords(flags.output, { items }, items, ASSIGNMENT_COLUMNS);
    });

  return policies;
}
