// `corral config get|set|bulk|history|diff` and `corral compliance`: agent
// configuration through the admin API. `set` replaces a layer with a JSON file,
// or changes a few fields of it with --set path=value (it then reads the layer
// first and sends If-Match with the revision read, so a concurrent change makes
// it fail with exit 1 instead of being overwritten). Unknown agents named to
// `bulk` exit 1, as `commands send` does for its targets.
import { Command, Option } from 'commander';
import type { ConfigurationLayer } from '../../features/configuration/agent-configuration.js';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, renderTable, type OutputFormat } from '../output.js';
import { agentId, collect, wholeNumber } from './agent-flags.js';
import { positiveInt } from './agents-command.js';
import { isTargetRefusal } from './commands-command.js';
import {
  bulkRequestBody,
  changedDocument,
  fieldRows,
  layerScope,
  reasonOf,
  type BulkFlags,
  type ChangeFlags,
  type ScopeFlags,
} from './config-flags.js';

type Flags = AdminFlags & { output: OutputFormat };

interface LayerJson extends Record<string, unknown> {
  scope: string;
  document: ConfigurationLayer;
  revision: number;
}
interface PartJson {
  desiredDigest: string;
  appliedDigest: string | null;
  status: string;
  error: string | null;
}
interface AgentConfigurationJson {
  agentId: string;
  desired: { configuration: object; digest: string; layers: { scope: string; revision: number }[] };
  applied: {
    configuration: PartJson;
    policies: PartJson;
    compliance: string;
    complianceReason: string;
  } | null;
  upToDate: boolean;
}

function printLayer(format: OutputFormat, layer: LayerJson, label: string): void {
  printRecords(format, layer, fieldRows(layer.document), ['field', 'value']);
  if (format === 'table') process.stderr.write(`${label} layer at revision ${layer.revision}\n`);
}

function printAgentView(format: OutputFormat, view: AgentConfigurationJson): void {
  if (format === 'json') return printRecords(format, view, [], []);
  const short = (digest: string | null | undefined) => (digest ? digest.slice(0, 12) : null);
  const status = {
    agentId: view.agentId,
    compliance: view.applied?.compliance ?? 'unknown',
    upToDate: view.upToDate,
    desired: short(view.desired.digest),
    applied: short(view.applied?.configuration.appliedDigest),
    configuration: view.applied?.configuration.status ?? 'never sent',
    policies: view.applied?.policies.status ?? 'never sent',
    layers: view.desired.layers.map((l) => `${l.scope}@${l.revision}`),
    reason: view.applied?.complianceReason || null,
  };
  process.stdout.write(`${renderTable([status], Object.keys(status))}\n`);
  process.stdout.write(renderTable(fieldRows(view.desired.configuration), ['field', 'value']));
}

const scopeOptions = (command: Command) =>
  command
    .option('--fleet', 'the fleet layer (under every group and agent)')
    .option('--group <id>', "a group's layer")
    .option('--agent <id>', "an agent's own layer");

const changeOptions = (command: Command) =>
  command
    .option('--file <file>', 'the layer (or patch) as a JSON object')
    .option('--set <path=value>', 'change one field, e.g. logLevel=debug (repeatable)', collect)
    .option('--reason <text>', 'recorded with the revision');

export function configCommand(): Command {
  const config = new Command('config').description(
    'agent configuration: layers for the fleet, groups and agents, history, diffs, bulk changes',
  );

  withAdminOptions(
    scopeOptions(
      config
        .command('get')
        .description(
          'show a layer (the fleet by default); for --agent, its desired and applied configuration',
        ),
    ),
  )
    .addOption(outputOption())
    .action(async (flags: Flags & ScopeFlags) => {
      const scope = layerScope(flags, true);
      const client = adminClient(flags);
      if (flags.agent === undefined)
        return printLayer(flags.output, await client.get<LayerJson>(scope.path), scope.label);
      const view = await client.get<AgentConfigurationJson>(
        `/agents/${encodeURIComponent(flags.agent)}/configuration`,
      );
      printAgentView(flags.output, view);
    });

  withAdminOptions(
    changeOptions(
      scopeOptions(
        config.command('set').description('replace a layer (--file) or change fields of it (--set)'),
      ),
    ),
  )
    .addOption(outputOption())
    .addOption(
      new Option(
        '--if-match <revision>',
        'only if the layer is still at this revision (--set: default the one read)',
      ).argParser((value) => wholeNumber('--if-match', value, 0, Number.MAX_SAFE_INTEGER)),
    )
    .action(async (flags: Flags & ScopeFlags & ChangeFlags & { reason?: string; ifMatch?: number }) => {
      const scope = layerScope(flags);
      const reason = reasonOf(flags);
      const client = adminClient(flags);
      let ifMatch = flags.ifMatch;
      let base: ConfigurationLayer | undefined;
      if (flags.set !== undefined && flags.file === undefined) {
        // --set changes fields of the layer as it is now, and only if it is still so when written.
        const current = await client.get<LayerJson>(scope.path);
        base = current.document;
        ifMatch ??= current.revision;
      }
      const body = { document: changedDocument(flags, base), ...reason };
      const headers: Record<string, string> = ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` };
      printLayer(flags.output, await client.put<LayerJson>(scope.path, body, headers), scope.label);
    });

  withAdminOptions(
    changeOptions(
      config
        .command('bulk')
        .description('merge one patch into the own layer of many agents, all or none')
        .option('--agents <ids>', 'comma list of agent ids')
        .option('--group <id>', 'every member of a group')
        .option('--selector <k=v,...>', 'every enrolled agent with these labels'),
    ),
  )
    .addOption(outputOption())
    .action(async (flags: Flags & BulkFlags) => {
      const body = bulkRequestBody(flags);
      let done: { results: { agentId: string; revision: number; revisionId: string }[] };
      try {
        done = await adminClient(flags).post('/configuration/bulk', body);
      } catch (error) {
        throw isTargetRefusal(error) ? error.asFailure() : error;
      }
      printRecords(flags.output, done, done.results, ['agentId', 'revision', 'revisionId']);
    });

  withAdminOptions(scopeOptions(config.command('history').description("a layer's revisions, newest first")))
    .addOption(outputOption())
    .addOption(new Option('--limit <n>', 'at most this many').default('50').argParser(positiveInt('--limit')))
    .action(async (flags: Flags & ScopeFlags & { limit: number }) => {
      const scope = layerScope(flags);
      const items = await adminClient(flags).getAll<{ diff: { path: string }[] } & Record<string, unknown>>(
        '/configuration/revisions',
        { scope: scope.key },
        flags.limit,
      );
      const rows = items.map((r) => ({ ...r, changes: r.diff.map((d) => d.path) }));
      printRecords(flags.output, { items }, rows, [
        'id',
        'revision',
        'createdAt',
        'author',
        'reason',
        'changes',
      ]);
    });

  withAdminOptions(
    config
      .command('diff')
      .description('field by field difference between two revisions (of any layers)')
      .argument('<from>', 'revision id')
      .argument('<to>', 'revision id'),
  )
    .addOption(outputOption())
    .action(async (from: string, to: string, flags: Flags) => {
      const diff = await adminClient(flags).get<{
        changes: { path: string; from?: unknown; to?: unknown }[];
      }>('/configuration/diff', { from, to });
      const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
      const rows = diff.changes.map((c) => ({ path: c.path, from: json(c.from), to: json(c.to) }));
      printRecords(flags.output, diff, rows, ['path', 'from', 'to']);
    });

  return config;
}

export function complianceCommand(): Command {
  return withAdminOptions(
    new Command('compliance').description(
      'agents by compliance (compliant, non_compliant, pending, unknown), fleet-wide or for a group',
    ),
  )
    .addOption(outputOption())
    .option('--group <id>', "a group's members only")
    .action(async (flags: Flags & { group?: string }) => {
      const path =
        flags.group === undefined
          ? '/compliance'
          : `/groups/${encodeURIComponent(agentId('--group', flags.group))}/compliance`;
      const summary = await adminClient(flags).get<{
        total: number;
        byCompliance: Record<string, number>;
        compliantPercent: number;
      }>(path);
      const rows = [
        ...Object.entries(summary.byCompliance).map(([name, value]) => ({ name, value })),
        { name: 'total', value: summary.total },
        { name: 'compliant %', value: summary.compliantPercent },
      ];
      printRecords(flags.output, summary, rows, ['name', 'value']);
    });
}
