// `corral agents ls|get|health|metrics|groups|update|rm`: read agents (their
// health, recent heartbeats, groups), rename and relabel them, and unregister
// them through the admin API.
import { Command, Option } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { UsageError } from '../usage-error.js';
import { addAgentPoliciesVerb } from './agent-policies-verb.js';
import { labels } from './agent-flags.js';

type Flags = AdminFlags & { output: OutputFormat };
interface AgentJson extends Record<string, unknown> {
  id: string;
}
const COLUMNS = ['id', 'name', 'type', 'version', 'status', 'health', 'lastSeenAt'];

export function agentsCommand(): Command {
  const agents = new Command('agents').description(
    'list, show, relabel and unregister agents; their health and recent heartbeats',
  );

  withAdminOptions(agents.command('ls').description('list agents'))
    .addOption(outputOption())
    .option('--status <list>', 'comma list of online, offline, inactive, decommissioned')
    .option('--health <list>', 'comma list of unknown, healthy, degraded, unhealthy')
    .option('--type <type>', 'agent type')
    .option('--agent-version <version>', 'agent version')
    .option('--capability <name>', 'agents with this capability')
    .option('--label <k=v...>', 'agents with these labels')
    .option('-q, --search <text>', 'id, name or hostname contains')
    .addOption(
      new Option('--limit <n>', 'at most this many agents').default('500').argParser(positiveInt('--limit')),
    )
    .action(
      async (
        flags: Flags & {
          status?: string;
          health?: string;
          type?: string;
          agentVersion?: string;
          capability?: string;
          label?: string[];
          search?: string;
          limit: number;
        },
      ) => {
        for (const label of flags.label ?? [])
          if (!/^[^=]+=.*$/.test(label))
            throw new UsageError(`--label: ${JSON.stringify(label)} must be key=value`);
        const items = await adminClient(flags).getAll<AgentJson>(
          '/agents',
          {
            status: flags.status,
            health: flags.health,
            type: flags.type,
            version: flags.agentVersion,
            capability: flags.capability,
            label: flags.label,
            q: flags.search,
          },
          flags.limit,
        );
        printRecords(flags.output, { items }, items, COLUMNS);
      },
    );

  withAdminOptions(agents.command('get').description('show one agent').argument('<id>', 'agent id'))
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const agent = await adminClient(flags).get<AgentJson>(`/agents/${encodeURIComponent(id)}`);
      printRecords(
        flags.output,
        agent,
        [agent],
        [...COLUMNS, 'hostname', 'ipAddress', 'capabilities', 'labels'],
      );
    });

  withAdminOptions(
    agents
      .command('health')
      .description("an agent's connectivity and health, with the reasons")
      .argument('<id>'),
  )
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const health = await adminClient(flags).get<Record<string, unknown>>(
        `/agents/${encodeURIComponent(id)}/health`,
      );
      printRecords(flags.output, health, [health], ['agentId', 'status', 'health', 'reasons', 'lastSeenAt']);
    });

  withAdminOptions(
    agents
      .command('metrics')
      .description("an agent's recent heartbeats (held by the instance it is connected to), oldest first")
      .argument('<id>'),
  )
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const metrics = await adminClient(flags).get<{ history: Record<string, unknown>[] }>(
        `/agents/${encodeURIComponent(id)}/metrics`,
      );
      printRecords(flags.output, metrics, metrics.history, [
        'receivedAt',
        'cpuPercent',
        'memoryPercent',
        'load1',
      ]);
    });

  withAdminOptions(
    agents
      .command('update')
      .description("change an agent's name or labels (--label replaces the whole label set)")
      .argument('<id>', 'agent id'),
  )
    .addOption(outputOption())
    .option('--name <name>', 'display name')
    .option('--label <k=v...>', 'the new labels (repeat the flag); give --no-labels to clear them')
    .option('--no-labels', 'remove every label')
    .option('--if-match <revision>', 'fail (exit 1) if the agent changed since this revision')
    .action(
      async (
        id: string,
        flags: Flags & { name?: string; label?: string[]; labels: boolean; ifMatch?: string },
      ) => {
        if (flags.label !== undefined && !flags.labels)
          throw new UsageError('give either --label or --no-labels, not both');
        if (flags.ifMatch !== undefined && !/^\d+$/.test(flags.ifMatch))
          throw new UsageError(`--if-match: ${JSON.stringify(flags.ifMatch)} must be a revision number`);
        const patch = {
          ...(flags.name === undefined ? {} : { name: flags.name }),
          ...(flags.label === undefined ? {} : { labels: labels('--label', flags.label) }),
          ...(flags.labels ? {} : { labels: {} }),
        };
        if (Object.keys(patch).length === 0) throw new UsageError('give --name, --label or --no-labels');
        const agent = await adminClient(flags).patch<AgentJson>(
          `/agents/${encodeURIComponent(id)}`,
          patch,
          flags.ifMatch === undefined ? {} : { 'if-match': `"${flags.ifMatch}"` },
        );
        printRecords(flags.output, agent, [agent], [...COLUMNS, 'labels', 'revision']);
      },
    );

  withAdminOptions(
    agents
      .command('groups')
      .description("an agent's groups, the one whose settings win first")
      .argument('<id>', 'agent id'),
  )
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      const groups = await adminClient(flags).get<{ items: Record<string, unknown>[] }>(
        `/agents/${encodeURIComponent(id)}/groups`,
      );
      printRecords(flags.output, groups, groups.items, ['id', 'name', 'kind', 'priority', 'selector']);
    });

  withAdminOptions(
    agents
      .command('rm')
      .description('unregister an agent: revokes its credential and sessions')
      .argument('<id>', 'agent id'),
  )
    .addOption(outputOption())
    .action(async (id: string, flags: Flags) => {
      await adminClient(flags).delete(`/agents/${encodeURIComponent(id)}`);
      printRecords(
        flags.output,
        { id, unregistered: true },
        [{ id, unregistered: true }],
        ['id', 'unregistered'],
      );
    });

  addAgentPoliciesVerb(agents);
  return agents;
}

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`${flag}: expected a positive whole number, got ${JSON.stringify(value)}`);
    return n;
  };
}
