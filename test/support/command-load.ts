// Command load and its verdict for the failure tests (a server killed, an
// instance killed, a broker or Redis restarted): requests sent through the
// REST API and retried with their idempotency key until accepted, so the set
// of accepted commands is exact; agents whose handlers count every execution;
// and the checks every accepted command must pass afterwards (one terminal
// status, a legal history, exactly one execution on its agent).
import { expect } from 'vitest';
import type { CommandHandler } from '../../src/agent/commands/command-types.js';
import { builtinHandlers } from '../../src/agent/commands/handlers/builtin-handlers.js';
import { COMMAND_PREDECESSORS, type CommandStatus } from '../../src/features/commands/command-state.js';
import type { ApiClient } from './server-process.js';
import { sleep, waitFor } from './wait-for.js';

export const UNFINISHED_STATUSES = 'queued,scheduled,dispatched,acknowledged,running,cancel_requested';

export interface CommandView {
  readonly id: string;
  readonly agentId: string | null;
  readonly status: string;
  readonly deliveries: number;
  readonly history: readonly { status: CommandStatus; detail?: string }[];
}

export interface CommandStats {
  readonly byStatus: Partial<Record<CommandStatus, number>>;
  readonly unfinished: number;
}

/** Commands out on agents: dispatched, acknowledged or running. */
export const onAgents = (s: CommandStats): number =>
  (s.byStatus.dispatched ?? 0) + (s.byStatus.acknowledged ?? 0) + (s.byStatus.running ?? 0);

/** The body of request number `index`; `idempotencyKey` makes a retried request safe. */
export type RequestBody = (index: number) => Record<string, unknown>;

/**
 * Single-agent pings to the agents in turn, every 20th request a bulk `status`
 * to all of them; each request with its own idempotency key.
 */
export function mixedRequests(agentIds: readonly string[], keyPrefix = 'load'): RequestBody {
  return (index) => {
    const bulk = index % 20 === 0;
    return {
      type: bulk ? 'status' : 'ping',
      target: bulk
        ? { kind: 'agents', agentIds }
        : { kind: 'agent', agentId: agentIds[index % agentIds.length] },
      ttlSeconds: 1_800,
      idempotencyKey: `${keyPrefix}-${index}`,
    };
  };
}

/**
 * Sends requests through an API client. While the gate is closed (the server
 * is down) a request waits; one that fails with a network error, a 5xx or a
 * 429 is sent again with the same idempotency key until it is accepted.
 */
export class CommandLoad {
  /** Accepted per-agent command id → the agent a single-agent request named (undefined for bulk children). */
  readonly accepted = new Map<string, string | undefined>();
  /** Requests that needed more than one attempt. */
  retried = 0;
  private stopped = false;
  private gate: Promise<void> = Promise.resolve();
  private reopen = (): void => undefined;

  constructor(
    private client: ApiClient,
    private readonly body: RequestBody,
    private readonly senders = 8,
  ) {}

  close(): void {
    this.gate = new Promise((resolve) => (this.reopen = resolve));
  }

  open(client: ApiClient = this.client): void {
    this.client = client;
    this.reopen();
  }

  /**
   * Sends requests number `from` to `to - 1` (bodies from `body`, by default the load's own) with
   * `senders` requests in flight, or fewer when stop() is called.
   */
  async run(from: number, to: number, body: RequestBody = this.body): Promise<void> {
    this.stopped = false;
    let next = from;
    const sender = async (): Promise<void> => {
      for (let index = next++; index < to && !this.stopped; index = next++) await this.send(body(index));
    };
    await Promise.all(Array.from({ length: this.senders }, sender));
  }

  /** Sends no new request; those in flight go on until accepted (await run() for them). */
  stop(): void {
    this.stopped = true;
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
        if (attempt > 1) this.retried += 1;
        return;
      }
      if (response !== undefined && response.status < 500 && response.status !== 429)
        throw new Error(`request refused: ${response.status} ${JSON.stringify(response.body)}`);
      if (attempt >= 400) throw new Error(`request ${JSON.stringify(body)} never accepted`);
      await sleep(50);
    }
  }
}

/** Per agent, how many times each command id reached one of its handlers. */
export class ExecutionCounts {
  private readonly runs = new Map<string, Map<string, number>>();

  /** The built-in handlers, counting each command id they run on `agentId`. */
  handlersFor(agentId: string): CommandHandler[] {
    const ran = new Map<string, number>();
    this.runs.set(agentId, ran);
    return builtinHandlers().map((handler) => ({
      ...handler,
      run: (params, context) => {
        const id = context.command.commandId;
        ran.set(id, (ran.get(id) ?? 0) + 1);
        return handler.run(params, context);
      },
    }));
  }

  /** Records one execution reported from outside (an agent process's log). */
  record(agentId: string, commandId: string): void {
    const ran = this.runs.get(agentId) ?? new Map<string, number>();
    this.runs.set(agentId, ran);
    ran.set(commandId, (ran.get(commandId) ?? 0) + 1);
  }

  of(agentId: string | null, commandId: string): number {
    return this.runs.get(agentId ?? '')?.get(commandId) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const ran of this.runs.values()) for (const count of ran.values()) sum += count;
    return sum;
  }
}

export async function listCommands(client: ApiClient): Promise<CommandView[]> {
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

export async function commandStats(client: ApiClient): Promise<CommandStats> {
  const response = await client.get<CommandStats>('/api/v1/commands/stats');
  if (response.status !== 200) throw new Error(`stats: ${response.status}`);
  return response.body;
}

/** Waits until no command is unfinished; on timeout the error quotes a few that are. */
export async function waitUntilAllTerminal(client: ApiClient, timeoutMs: number): Promise<CommandStats> {
  return waitFor(
    () => commandStats(client),
    (s) => s.unfinished === 0,
    { description: 'every command terminal', timeoutMs, intervalMs: 250 },
  ).catch(async (error: unknown) => {
    const unfinished = await client.get(`/api/v1/commands?status=${UNFINISHED_STATUSES}&pageSize=5`);
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\nsome unfinished: ${JSON.stringify(unfinished.body)}`,
    );
  });
}

/** Whether a history is a legal path through the lifecycle (ADR 0006), starting at queued. */
export function isLegalHistory(path: readonly CommandStatus[]): boolean {
  return path.every((to, i) => (i === 0 ? to === 'queued' : COMMAND_PREDECESSORS[to].includes(path[i - 1]!)));
}

/** What is wrong with one accepted command, if anything. */
export function commandProblems(
  view: CommandView | undefined,
  id: string,
  named: string | undefined,
  runs: ExecutionCounts,
): string[] {
  if (view === undefined) return [`${id}: lost (not stored)`];
  const problems: string[] = [];
  const where = `${id} on ${view.agentId}`;
  const count = runs.of(view.agentId, id);
  if (view.status !== 'succeeded') problems.push(`${where}: ${view.status}`);
  if (named !== undefined && view.agentId !== named) problems.push(`${where}: was sent to ${named}`);
  if (count !== 1) problems.push(`${where}: ran ${count} times`);
  if (view.deliveries < 1) problems.push(`${where}: ${view.deliveries} deliveries`);
  const path = view.history.map((entry) => entry.status);
  if (!isLegalHistory(path)) problems.push(`${where}: illegal history ${path.join(' → ')}`);
  return problems;
}

/**
 * The verdict on a load: every accepted command is stored, ended succeeded with a legal history
 * and ran exactly once on its agent; nothing ran that was not accepted; every per-agent command
 * stored was accepted. Returns the stored views by id.
 */
export async function expectEveryCommandOnce(
  client: ApiClient,
  load: CommandLoad,
  runs: ExecutionCounts,
  context: string,
): Promise<Map<string, CommandView>> {
  const views = new Map((await listCommands(client)).map((view) => [view.id, view]));
  const problems = [...load.accepted].flatMap(([id, named]) =>
    commandProblems(views.get(id), id, named, runs),
  );
  expect(problems.slice(0, 20), `${problems.length} problems; ${context}`).toEqual([]);
  expect(runs.total, 'executions in all').toBe(load.accepted.size);
  const perAgent = [...views.values()].filter((view) => view.agentId !== null);
  expect(perAgent.length, 'per-agent commands stored').toBe(load.accepted.size);
  return views;
}
