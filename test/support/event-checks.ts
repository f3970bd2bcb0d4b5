// The "no event lost" verdict of the failure tests. The reference is the
// store's outbox: every event Corral committed is a row there, written in the
// same transaction as the change it describes, so once the outbox has drained
// every row must have reached the outside consumer (EventTally). Events
// delivered twice are allowed (delivery is at least once) and reported apart.
// A second, independent check ties the events to the API: each accepted
// command's lifecycle, rebuilt from the command_created and
// command_status_changed events the consumer received, must be exactly the
// history the API shows for it.
import { expect } from 'vitest';
import type { EventEnvelope } from '../../src/features/events/event.js';
import type { EventTally } from '../../src/infra/bus/amqp/event-tally.fixtures.js';
import { outboxOf, type OutboxRow } from '../../src/infra/store/sql/test-databases.fixtures.js';
import type { CommandView } from './command-load.js';
import { waitFor } from './wait-for.js';

/** Waits until every event of the schema's outbox is published; returns the outbox. */
export function waitUntilOutboxDrained(schema: string, timeoutMs = 30_000): Promise<OutboxRow[]> {
  return waitFor(
    () => outboxOf(schema),
    (rows) => rows.every((row) => row.published),
    { description: 'the outbox to drain (every event published)', timeoutMs, intervalMs: 250 },
  ).catch(async (error: unknown) => {
    const waiting = (await outboxOf(schema)).filter((row) => !row.published);
    throw new Error(
      `${(error as Error).message.slice(0, 200)}; ${waiting.length} unpublished, e.g. ${JSON.stringify(waiting.slice(0, 5))}`,
    );
  });
}

export interface EventVerdict {
  readonly committed: number;
  readonly received: number;
  readonly deliveries: number;
  readonly duplicates: number;
  readonly byType: Record<string, number>;
}

/**
 * Every committed event reached the consumer (waiting for stragglers), none arrived that was not
 * committed, every body was an event. Returns the figures for the report.
 */
export async function expectNoEventLost(tally: EventTally, schema: string): Promise<EventVerdict> {
  let outbox = await waitUntilOutboxDrained(schema);
  let comparison = await waitFor(
    async () => tally.compareWith(outbox),
    (c) => c.missing.length === 0,
    { description: 'every committed event at the consumer', timeoutMs: 30_000, intervalMs: 250 },
  ).catch(() => tally.compareWith(outbox));
  // Events committed after the outbox was read (a sweep, a late report) reach the consumer too: an event is
  // unexpected only if the outbox, read again once drained, does not hold it either.
  if (comparison.unexpected.length > 0) {
    outbox = await waitUntilOutboxDrained(schema);
    comparison = tally.compareWith(outbox);
  }
  expect(
    comparison.missing.slice(0, 20),
    `${comparison.missing.length} of ${outbox.length} events lost`,
  ).toEqual([]);
  expect(comparison.unexpected.slice(0, 20), 'events received that the outbox does not hold').toEqual([]);
  expect(tally.undecodable, 'messages that are not events').toBe(0);
  return {
    committed: outbox.length,
    received: tally.size,
    deliveries: tally.deliveries,
    duplicates: comparison.duplicates.length,
    byType: tally.countsByType(),
  };
}

/** A command's statuses as its events tell them: queued, then each status-change event's path in turn. */
export function lifecycleFromEvents(
  created: EventEnvelope | undefined,
  changes: readonly EventEnvelope[],
): { statuses: string[]; unused: number } {
  if (created === undefined) return { statuses: [], unused: changes.length };
  const statuses = ['queued'];
  const left = [...changes];
  for (;;) {
    const at = statuses[statuses.length - 1];
    const next = left.findIndex((event) => event.data.from === at);
    if (next < 0) break;
    const [event] = left.splice(next, 1);
    statuses.push(...((event!.data.path as string[] | undefined) ?? []));
  }
  return { statuses, unused: left.length };
}

/** Each command's lifecycle rebuilt from the consumer's events equals the history the API shows. */
export function expectLifecyclesDelivered(
  tally: EventTally,
  views: ReadonlyMap<string, CommandView>,
  ids: Iterable<string>,
): void {
  const created = new Map(tally.ofType('command_created').map((event) => [event.subject.id, event]));
  const changes = new Map<string, EventEnvelope[]>();
  for (const event of tally.ofType('command_status_changed')) {
    const list = changes.get(event.subject.id) ?? [];
    list.push(event);
    changes.set(event.subject.id, list);
  }
  const problems: string[] = [];
  for (const id of ids) {
    const history = views.get(id)?.history.map((entry) => entry.status) ?? [];
    const { statuses, unused } = lifecycleFromEvents(created.get(id), changes.get(id) ?? []);
    if (statuses.join(' → ') !== history.join(' → ') || unused > 0)
      problems.push(
        `${id}: events say ${statuses.join(' → ')} (+${unused} unchained), API says ${history.join(' → ')}`,
      );
  }
  expect(
    problems.slice(0, 10),
    `${problems.length} commands whose events disagree with their history`,
  ).toEqual([]);
}
