// One backend goes down and comes back while commands flow through two
// `corral serve` instances (the broker restart and Redis restart tests share
// this). Instance 1 takes every API request; twelve counting agents are split
// between the two instances, so half the commands are routed to instance 2
// (ADR 0017). The load runs, the backend goes down, /readyz must turn 503 on
// both instances while the API keeps accepting commands (the store is the
// source of truth), then the load stops and the backend comes back: /readyz
// must return to 200, and after that only agents on instance 1 get new
// commands, so those accepted during the outage for agents on instance 2 have
// no later signal to ride on and must still be delivered. At the end: every
// accepted command succeeded exactly once with a legal history, the outbox
// drained, every committed event reached the outside consumer (duplicates
// counted apart), and each command's events retell its history.
import { expect } from 'vitest';
import type { EventTally } from '../../src/infra/bus/amqp/event-tally.fixtures.js';
import {
  CommandLoad,
  commandStats,
  expectEveryCommandOnce,
  mixedRequests,
  waitUntilAllTerminal,
} from './command-load.js';
import type { CountingAgents } from './counting-agents.js';
import { expectLifecyclesDelivered, expectNoEventLost, type EventVerdict } from './event-checks.js';
import { readyStatus, startInstances } from './instances.js';
import { api, type ServerProcess } from './server-process.js';
import { waitFor } from './wait-for.js';

export interface OutageUnderLoad {
  /** What goes down, for messages: "the broker", "Redis". */
  readonly what: string;
  /** Prefix of the two instance ids. */
  readonly instancePrefix: string;
  /** The PostgreSQL schema the instances share (STORE_URL in env). */
  readonly schema: string;
  /** Environment of both instances: store, cache, bus and their names. */
  readonly env: Record<string, string>;
  readonly tally: EventTally;
  readonly agents: CountingAgents;
  readonly goDown: () => Promise<void>;
  readonly comeBack: () => Promise<void>;
}

export interface OutageFigures {
  readonly acceptedBefore: number;
  readonly acceptedDuringOutage: number;
  readonly acceptedAfter: number;
  readonly retriedRequests: number;
  /** From going down until both instances answered 503 on /readyz. */
  readonly notReadyAfterMs: number;
  /** From the backend being back until both answered 200 again. */
  readonly readyAgainAfterMs: number;
  readonly outageMs: number;
  readonly events: EventVerdict;
}

const AGENT_IDS = Array.from({ length: 12 }, (_, i) => `outage-agent-${String(i).padStart(2, '0')}`);
const ON_FIRST = AGENT_IDS.filter((_, i) => i % 2 === 0);
const ON_SECOND = AGENT_IDS.filter((_, i) => i % 2 === 1);
/** Commands accepted during the outage before the backend comes back. */
const DURING_OUTAGE = 60;
const AFTER_OUTAGE = 100;

const bothReady = (servers: readonly ServerProcess[], status: number, what: string, timeoutMs: number) =>
  waitFor(
    () => Promise.all(servers.map(readyStatus)),
    (codes) => codes.every((code) => code === status),
    { description: `/readyz ${status} on both instances ${what}`, timeoutMs, intervalMs: 200 },
  );

export async function runOutageUnderLoad(scenario: OutageUnderLoad): Promise<OutageFigures> {
  const { agents, tally } = scenario;
  const servers = await startInstances(
    [`${scenario.instancePrefix}-1`, `${scenario.instancePrefix}-2`],
    scenario.env,
  );
  const [first, second] = servers as [ServerProcess, ServerProcess];
  const client = api(first);
  const secret = await client.post<{ secret: string }>('/api/v1/enrollment-secrets', { name: 'outage' });
  expect(secret.status).toBe(201);
  for (const id of ON_FIRST) agents.start(id, first.grpcAddress, secret.body.secret);
  for (const id of ON_SECOND) agents.start(id, second.grpcAddress, secret.body.secret);
  await agents.waitAllConnected();
  await waitFor(
    () => client.get<{ instances: { instanceId: string; agents: number }[] }>('/api/status'),
    (status) => status.body.instances?.length === 2 && status.body.instances.every((i) => i.agents === 6),
    { description: 'both instances listed with six agents each', timeoutMs: 30_000 },
  );

  const load = new CommandLoad(client, mixedRequests(AGENT_IDS, 'before'), 4);
  const before = load.run(0, 1_000_000);
  await waitFor(
    () => commandStats(client),
    (s) => (s.byStatus.succeeded ?? 0) >= 100,
    { description: 'commands flowing', timeoutMs: 60_000, intervalMs: 100 },
  );

  const acceptedBefore = load.accepted.size;
  const downAt = Date.now();
  await scenario.goDown();
  await bothReady(servers, 503, `while ${scenario.what} is down`, 30_000);
  const notReadyAfterMs = Date.now() - downAt;
  await waitFor(
    async () => load.accepted.size,
    (size) => size >= acceptedBefore + DURING_OUTAGE,
    { description: `${DURING_OUTAGE} commands accepted while ${scenario.what} is down`, timeoutMs: 60_000 },
  );
  load.stop();
  await before;
  const acceptedDuringOutage = load.accepted.size - acceptedBefore;
  expect(await Promise.all(servers.map(readyStatus)), `still down after the load stopped`).toEqual([
    503, 503,
  ]);

  const backAt = Date.now();
  await scenario.comeBack();
  const outageMs = Date.now() - downAt;
  await bothReady(servers, 200, `after ${scenario.what} came back`, 60_000);
  const readyAgainAfterMs = Date.now() - backAt;
  await load.run(0, AFTER_OUTAGE, mixedRequests(ON_FIRST, 'after'));

  await waitUntilAllTerminal(client, 90_000);
  const views = await expectEveryCommandOnce(
    client,
    load,
    agents.runs,
    `${acceptedBefore} accepted before, ${acceptedDuringOutage} while ${scenario.what} was down`,
  );
  const events = await expectNoEventLost(tally, scenario.schema);
  expectLifecyclesDelivered(tally, views, load.accepted.keys());
  return {
    acceptedBefore,
    acceptedDuringOutage,
    acceptedAfter: load.accepted.size - acceptedBefore - acceptedDuringOutage,
    retriedRequests: load.retried,
    notReadyAfterMs,
    readyAgainAfterMs,
    outageMs,
    events,
  };
}
