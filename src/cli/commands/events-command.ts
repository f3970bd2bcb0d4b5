// `corral events ls [--follow]`: the lifecycle events Corral keeps (the same
// ones it publishes), filtered by type, subject and time. `--follow` keeps
// polling and prints new events as they are stored, until interrupted.
import { Command, Option } from 'commander';
import type { AdminClient } from '../admin-client.js';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, renderTable, type OutputFormat } from '../output.js';
import { positiveInt } from './agents-command.js';
import { sinceFlag } from './time-flags.js';

interface EventJson extends Record<string, unknown> {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly subject: { readonly kind: string; readonly id: string };
  readonly actor: string;
}
type Flags = AdminFlags & {
  output: OutputFormat;
  type?: string;
  subject?: string;
  since?: string;
  limit: number;
  follow?: boolean;
};

const COLUMNS = ['occurredAt', 'type', 'subject', 'actor', 'id'];
const POLL_MS = 1000;
/**
 * Events are stored in batches, so one can land with a time a little before the newest already
 * printed: each poll looks this far back and skips the ids it has printed.
 */
const OVERLAP_MS = 10_000;

const row = (event: EventJson) => ({ ...event, subject: `${event.subject.kind}:${event.subject.id}` });

export function eventsCommand(): Command {
  const events = new Command('events').description('lifecycle events: list them, or follow them live');

  withAdminOptions(events.command('ls').description('list events, newest first (oldest first with --follow)'))
    .addOption(outputOption())
    .option('--type <list>', 'comma list of event types, e.g. agent_registered,command_succeeded')
    .option('--subject <id>', 'events about this agent, command, group, policy, ...')
    .option('--since <time>', 'ISO-8601 time, or a duration ago such as 15m')
    .addOption(
      new Option('--limit <n>', 'at most this many events').default('100').argParser(positiveInt('--limit')),
    )
    .option(
      '-f, --follow',
      'keep printing new events as they are stored (one JSON object per line with -o json)',
    )
    .action(async (flags: Flags) => {
      const client = adminClient(flags);
      const since = flags.since === undefined ? undefined : sinceFlag('--since', flags.since);
      const query = { type: flags.type, subjectId: flags.subject };
      if (!flags.follow) {
        const items = await client.getAll<EventJson>('/events', { ...query, since }, flags.limit);
        printRecords(flags.output, { items }, items.map(row), COLUMNS);
        return;
      }
      await follow(client, flags.output, query, since ?? new Date().toISOString());
    });

  return events;
}

async function follow(
  client: AdminClient,
  format: OutputFormat,
  query: Record<string, string | undefined>,
  from: string,
): Promise<never> {
  const printed = new Map<string, number>();
  let newest = Date.parse(from);
  let header = format === 'table';
  for (;;) {
    const items = await client.getAll<EventJson>(
      '/events',
      { ...query, order: 'asc', since: new Date(newest - OVERLAP_MS).toISOString() },
      10_000,
    );
    const fresh = items.filter(
      (event) => !printed.has(event.id) && Date.parse(event.occurredAt) >= Date.parse(from),
    );
    for (const event of fresh) {
      const at = Date.parse(event.occurredAt);
      printed.set(event.id, at);
      newest = Math.max(newest, at);
    }
    if (format === 'json') {
      for (const event of fresh) process.stdout.write(`${JSON.stringify(event)}\n`);
    } else if (fresh.length > 0 || header) {
      const lines = renderTable(fresh.map(row), COLUMNS).split('\n');
      process.stdout.write(`${(header ? lines : lines.slice(1)).filter((line) => line !== '').join('\n')}\n`);
      header = false;
    }
    for (const [id, at] of printed) if (at < newest - OVERLAP_MS) printed.delete(id);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
