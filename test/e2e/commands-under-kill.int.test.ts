// No loss and no double execution when `corral serve` is killed with SIGKILL
// while commands are in flight. Twenty agents run in this process as real
// AgentClients (real gRPC to the server process, seen ids kept across their
// reconnects); single-agent pings and bulk `status` commands arrive through
// the REST API; the server is killed mid-load and restarted on the same store
// and gRPC port. Every accepted command must end succeeded with a legal
// history, and each must have run exactly once, on its agent, counted in the
// handlers themselves. Requests cut off by the kill are sent again with their
// idempotency key, so the set of accepted commands is exact.
import { afterAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../src/agent/agent-client.js';
import type { CommandHandler } from '../../src/agent/commands/command-types.js';
import { builtinHandlers } from '../../src/agent/commands/handlers/builtin-handlers.js';
import { MemorySeenCommands } from '../../src/agent/commands/seen-commands.js';
import { MemoryIdentityStore } from '../../src/agent/identity-store.js';
import { COMMAND_PREDECESSORS, type CommandStatus } from '../../src/features/commands/command-state.js';
import {
  allOutputs,
  api,
  killAllProcesses,
  removeTempDirs,
  startServerProcess,
  type ApiClient,
} from '../support/server-process.js';
import { sleep, waitFor } from '../support/wait-for.js';

const AGENT_IDS = Array.from({ length: 20 }, (_, i) => `kill-agent-${String(i).padStart(2, '0')}`);
/** Requests before the restart (every 20th a bulk command to all agents), then after it. */
const REQUESTS_BEFORE = 1_260;
const REQUESTS_AFTER = 105;
const SENDERS = 8;
const UNFINISHED = 'queued,scheduled,dispatched,acknowledged,running,cancel_requested';
const SERVER_ENV = { API_RATE_LIMIT: '1000000', HEARTBEAT_FLUSH_INTERVAL: '100ms' };

interface CommandView {
  readonly id: string;
  readonly agentId: string | null;
  readonly status: string;
  readonly deliveries: number;
  readonly history: readonly { status: CommandStatus; detail?: string }[];
}
interface Stats {
  readonly byStatus: Partial<Record<CommandStatus, number>>;
  readonly unfinished: number;
}

/** Per agent, how many times each command id reached a handler. */
const runs = new Map<string, Map<string, number>>();
const clients: AgentClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()));
  await killAllProcesses();
  removeTempDirs();
});

function countingHandlers(agentId: string): CommandHandler[] {
  const ran = new Map<string, number>();
  runs.set(agentId, ran);
  return builtinHandlers().map((handler) => ({
    ...handler,
    run: (params, context) => {
      const id = context.command.commandId;
      ran.set(id, (ran.get(id) ?? 0) + 1);
      return handler.run(params, context);
    },
  }));
}

function startAgent(agentId: string, grpcAddress: string, secret: string): AgentClient {
  const client = new AgentClient({
    serverAddress: grpcAddress,
    separateConnection: true,
    enrollmentSecret: secret,
    facts: { agentId, name: agentId, type: 'scanner', capabilities: [], labels: {} },
    identityStore: new MemoryIdentityStore(),
    seenCommands: new MemorySeenCommands(),
    commandHandlers: countingHandlers(agentId),
    maxConcurrentCommands: 2,
    failureModes: { addedLatencyMs: 60 },
    metrics: () => ({ cpuPercent: 5, memoryPercent: 10, memoryRssBytes: 1, load1: 0, uptimeSeconds: 1 }),
    heartbeatIntervalMs: 500,
    backoff: { baseMs: 50, capMs: 500 },
    stopTimeoutMs: 1_000,
  });
  clients.push(client);
  client.start();
  return client;
}

function requestBody(index: number): Record<string, unknown> {
  const target =
    index % 20 === 0
      ? { kind: 'agents', agentIds: AGENT_IDS }
      : { kind: 'agent', agentId: AGENT_IDS[index % AGENT_IDS.length] };
  return {
    type: index % 20 === 0 ? 'status' : 'ping',
    target,
    ttlSeconds: 1_800,
    idempotencyKey: `load-${index}`,
  };
}

/**
 * Sends requests through whichever server is current; while it is down (the gate is closed) a request
 * waits, and one cut off by the kill is sent again with the same idempotency key.
 */
class Load {
  /** Accepted per-agent command id → the agent a single-agent request named (undefined for bulk children). */
  readonly accepted = new Map<string, string | undefined>();
  private gate: Promise<void> = Promise.resolve();
  private reopen = (): void => undefined;

  constructor(private client: ApiClient) {}

  close(): void {
    this.gate = new Promise((resolve) => (this.reopen = resolve));
  }

  open(client: ApiClient): void {
    this.client = client;
    this.reopen();
  }

  async run(from: number, to: number): Promise<void> {
    let next = from;
    const sender = async (): Promise<void> => {
      for (let index = next++; index < to; index = next++) await this.send(requestBody(index));
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
  }

  private async send(body: Record<string, unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.gate;
      const response = await this.client
        .post<{ command: { id: string }; children: string[] }>('/api/v1/commands', body)
        .catch(() => undefined);
      if (response?.status === 201 || response?.status === 200) {
        const { command, children } = response.body;
        if (children.length === 0)
          this.accepted.set(command.id, (body.target as { agentId: string }).agentId);
        for (const child of children) this.accepted.set(child, undefined);
        return;
      }
      if (response !== undefined && response.status < 500 && response.status !== 429)
        throw new Error(`request refused: ${response.status} ${JSON.stringify(response.body)}`);
      if (attempt >= 200) throw new Error(`request ${JSON.stringify(body)} never accepted`);
      await sleep(50);
    }
  }
}

async function listAll(client: ApiClient): Promise<CommandView[]> {
  const all: CommandView[] = [];
  let token: string | undefined;
  do {
    const query = `pageSize=500&order=asc${token === undefined ? '' : `&pageToken=${token}`}`;
    const page = await client.get<{ items: CommandView[]; nextPageToken?: string }>(
      `/api/v1/commands?${query}`,
    );
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    all.push(...page.body.items);
    token = page.body.nextPageToken;
  } while (token !== undefined);
  return all;
}

const stats = async (client: ApiClient): Promise<Stats> => {
  const response = await client.get<Stats>('/api/v1/commands/stats');
  if (response.status !== 200) throw new Error(`stats: ${response.status}`);
  return response.body;
};
const onAgents = (s: Stats): number =>
  (s.byStatus.dispatched ?? 0) + (s.byStatus.acknowledged ?? 0) + (s.byStatus.running ?? 0);

/** What is wrong with one accepted command, if anything. */
function problemsOf(view: CommandView | undefined, id: string, named: string | undefined): string[] {
  if (view === undefined) return [`${id}: lost (not stored)`];
  const problems: string[] = [];
  const where = `${id} on ${view.agentId}`;
  const count = runs.get(view.agentId ?? '')?.get(id) ?? 0;
  if (view.status !== 'succeeded') problems.push(`${where}: ${view.status}`);
  if (named !== undefined && view.agentId !== named) problems.push(`${where}: was sent to ${named}`);
  if (count !== 1) problems.push(`${where}: ran ${count} times`);
  if (view.deliveries < 1) problems.push(`${where}: ${view.deliveries} deliveries`);
  const path = view.history.map((entry) => entry.status);
  const illegal = path.some((to, i) =>
    i === 0 ? to !== 'queued' : !COMMAND_PREDECESSORS[to].includes(path[i - 1]!),
  );
  if (illegal) problems.push(`${where}: illegal history ${path.join(' → ')}`);
  return problems;
}

describe('commands under a server SIGKILL', () => {
  it('loses no accepted command and runs none twice', { timeout: 120_000 }, async ({ onTestFailed }) => {
    onTestFailed(() => console.error(allOutputs()));
    const server = await startServerProcess({ env: SERVER_ENV });
    let client = api(server);
    const secret = await client.post<{ secret: string }>('/api/v1/enrollment-secrets', { name: 'kill-e2e' });
    expect(secret.status).toBe(201);
    const agents = AGENT_IDS.map((id) => startAgent(id, server.grpcAddress, secret.body.secret));
    await waitFor(
      async () => agents.filter((agent) => agent.stats.connected).length,
      (connected) => connected === agents.length,
      { description: 'every agent connected' },
    );

    const load = new Load(client);
    const before = load.run(0, REQUESTS_BEFORE);
    // Kill once commands have finished and many are out on the agents, some not yet acknowledged.
    const atKill = await waitFor(
      () => stats(client),
      (s) => (s.byStatus.succeeded ?? 0) >= 300 && onAgents(s) >= 50 && (s.byStatus.dispatched ?? 0) >= 10,
      { description: 'commands finished and in flight', timeoutMs: 30_000, intervalMs: 50 },
    );
    load.close();
    await server.stop('SIGKILL');
    const restarted = await startServerProcess({
      dataDir: server.dataDir,
      env: { ...SERVER_ENV, GRPC_SERVER_ADDR: server.grpcAddress, ADMIN_API_KEY: server.adminKey },
    });
    client = api(restarted);
    load.open(client);
    await before;
    await load.run(REQUESTS_BEFORE, REQUESTS_BEFORE + REQUESTS_AFTER);

    const done = await waitFor(
      () => stats(client),
      (s) => s.unfinished === 0,
      { description: 'every command terminal', timeoutMs: 60_000, intervalMs: 250 },
    ).catch(async (error: unknown) => {
      const unfinished = await client.get(`/api/v1/commands?status=${UNFINISHED}&pageSize=5`);
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\nsome unfinished: ${JSON.stringify(unfinished.body)}`,
      );
    });
    const views = new Map((await listAll(client)).map((view) => [view.id, view]));
    const problems = [...load.accepted].flatMap(([id, named]) => problemsOf(views.get(id), id, named));
    expect(
      problems.slice(0, 20),
      `${problems.length} problems; at the kill: ${JSON.stringify(atKill)}`,
    ).toEqual([]);

    // Nothing ran that was not accepted, and every per-agent command stored was accepted.
    const totalRuns = [...runs.values()].reduce(
      (sum, ran) => sum + [...ran.values()].reduce((a, b) => a + b, 0),
      0,
    );
    expect(totalRuns).toBe(load.accepted.size);
    const perAgent = [...views.values()].filter((view) => view.agentId !== null);
    expect(perAgent.length).toBe(load.accepted.size);
    expect(done.byStatus.succeeded).toBe(load.accepted.size);

    // Commands stored as dispatched and not acknowledged at the kill (it waited for some; an acknowledgement
    // takes tens of ms under this load) were sent again after the restart, and their history says so.
    const redelivered = perAgent.filter((view) => view.deliveries >= 2);
    expect(redelivered.length).toBeGreaterThan(0);
    for (const view of redelivered)
      expect(view.history.map((entry) => entry.detail)).toContain('redelivered');
  });
});
