#!/usr/bin/env node
// `npm run bench:metrics`: what the backlog gauges cost a scrape at scale. Two
// reads are timed on the compiled code, each after a warm-up:
//   - the dispatch backlog's age: CommandDispatcher.oldestWaitingSince() scans
//     every command waiting in the agents' lanes (--agents lanes of --waiting
//     commands each);
//   - the outbox lag: EventStore.backlog(OUTBOX_COUNT_LIMIT) on a SQLite file
//     (in a temporary directory) holding --events unpublished events;
//   - for comparison, the older corral_commands gauge: CommandStore
//     .countsByStatus() over --commands finished commands in the same file
//     (a full count by status; the gauge runs it at most every 2 s).
//   npm run bench:metrics -- [--agents 10000] [--waiting 10] [--events 200000] [--commands 200000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentLane } from '../dist/features/commands/agent-lane.js';
import { openSqlDatabase } from '../dist/infra/store/sql/open-database.js';
import { OUTBOX_COUNT_LIMIT } from '../dist/metrics/corral-metrics.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    waiting: { type: 'string', default: '10' },
    events: { type: 'string', default: '200000' },
    commands: { type: 'string', default: '200000' },
  },
});
const agents = Number(values.agents);
const waiting = Number(values.waiting);
const events = Number(values.events);
const commands = Number(values.commands);

/** Mean milliseconds per call over `runs` calls, after `warm` calls. */
async function time(call, runs = 20, warm = 5) {
  for (let i = 0; i < warm; i++) await call();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await call();
  return Number(process.hrtime.bigint() - start) / 1e6 / runs;
}

const now = Date.now();
const lanes = [];
for (let a = 0; a < agents; a++) {
  const lane = new AgentLane(`agent-${a}`, 32, 500, now);
  for (let i = 0; i < waiting; i++)
    lane.offer({
      id: `cmd-${a}-${i}`,
      priority: i % 3 === 0 ? 'high' : 'normal',
      createdAt: now + i,
      deadlineAt: now + 3_600_000,
      expiresAt: now + 900_000,
      agentId: `agent-${a}`,
    });
  lanes.push(lane);
}
// The dispatcher's loop over its lanes, as in CommandDispatcher.oldestWaitingSince.
const oldest = () => {
  let since;
  for (const lane of lanes) {
    const at = lane.oldestWaitingSince();
    if (at !== undefined && (since === undefined || at < since)) since = at;
  }
  return since;
};
const laneMs = await time(oldest);
console.log(
  `dispatch backlog age: ${agents} lanes, ${agents * waiting} commands waiting: ${laneMs.toFixed(2)} ms per read`,
);

const dir = mkdtempSync(join(tmpdir(), 'corral-bench-metrics-'));
const db = await openSqlDatabase(`sqlite:${join(dir, 'corral.db')}`);
try {
  const batch = 5_000;
  for (let done = 0; done < events; done += batch) {
    const count = Math.min(batch, events - done);
    await db.events.append(
      Array.from({ length: count }, (_, i) => ({
        id: `evt-${String(done + i).padStart(10, '0')}`,
        type: 'agent_heartbeat',
        schemaVersion: 1,
        occurredAt: now - events + done + i,
        subject: { kind: 'agent', id: 'agent-0' },
        actor: 'system',
        data: {},
      })),
    );
  }
  let read;
  const outboxMs = await time(async () => (read = await db.events.backlog(OUTBOX_COUNT_LIMIT)));
  console.log(
    `outbox lag: ${events} unpublished events (counted up to ${OUTBOX_COUNT_LIMIT}: ${read.events}): ${outboxMs.toFixed(2)} ms per read`,
  );
  for (let done = 0; done < commands; done += batch) {
    const count = Math.min(batch, commands - done);
    await db.commands.insertMany(
      Array.from({ length: count }, (_, i) => ({
        id: `cmd-${String(done + i).padStart(10, '0')}`,
        type: 'scan',
        params: {},
        priority: 'normal',
        target: { kind: 'agent', agentId: 'agent-0' },
        agentId: 'agent-0',
        parentId: null,
        requester: 'bench',
        idempotencyKey: null,
        createdAt: now,
        deadlineAt: now + 3_600_000,
        expiresAt: now + 900_000,
        status: 'succeeded',
        deliveries: 1,
        progress: null,
        result: null,
        error: null,
        history: [{ status: 'succeeded', at: now }],
      })),
    );
  }
  const countsMs = await time(() => db.commands.countsByStatus(), 5, 2);
  console.log(
    `corral_commands: countsByStatus over ${commands} commands: ${countsMs.toFixed(1)} ms per read`,
  );
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
