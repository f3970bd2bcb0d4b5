// Places the children of capability targets ("any 5 agents that can scan")
// on agents connected to this instance. Children wait in one bounded queue
// (COMMAND_QUEUE_SIZE: emergency first, then priority, deadline, arrival);
// each pass groups them by parent and asks `place` (scheduler-core.ts) for as
// many distinct eligible agents as the group needs, with the configured
// strategy (LOAD_BALANCING_STRATEGY). Eligible means connected, capable,
// labelled as asked, under MAX_AGENT_LOAD and with room in its window, so a
// command waits here rather than pile onto a busy agent. What is placed is
// stored as scheduled (with its agent) and handed to dispatch; what is not
// waits for the next pass (when a window frees, or on the timer) until it
// expires, which the command sweep records.
//
// The queue is memory: children that do not fit stay in the store and are
// read back (as on start) once there is room.
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import type { EventFactory } from '../events/event-factory.js';
import { statusChangedEvents, SYSTEM_ACTOR } from '../commands/command-events.js';
import type { CommandTransitionWrite } from '../commands/command-store.js';
import type { Command } from '../commands/command.js';
import type { AgentCandidate } from './agent-candidate.js';
import { CommandQueue, commandEntry, type CommandEntry } from './command-queue.js';
import type { SchedulingLimits } from './eligibility.js';
import { place } from './scheduler-core.js';
import type { BalancingStrategy, PlacementRequest } from './strategy.js';

/** The agents a placement may choose from: connected here, with capability and labels as asked. */
export type CandidateSource = (request: PlacementRequest) => Promise<AgentCandidate[]>;

export interface CapabilitySchedulerOptions {
  readonly db: Database;
  readonly events: EventFactory;
  readonly clock: Clock;
  readonly candidates: CandidateSource;
  readonly strategy: BalancingStrategy<unknown>;
  readonly limits: SchedulingLimits;
  /** COMMAND_QUEUE_SIZE */
  readonly queueSize: number;
  /** Placed children, stored as scheduled with their agent: dispatch takes them from here. */
  readonly placed: (commands: readonly Command[]) => void;
  readonly onError: (error: unknown) => void;
}

export class CapabilityScheduler {
  private readonly queue: CommandQueue<CommandEntry<Command>>;
  /** Per parent, the agents that already hold one of its children: one child per agent. */
  private readonly taken = new Map<string, Set<string>>();
  private strategyState: unknown;
  private spilled = false;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly options: CapabilitySchedulerOptions) {
    this.queue = new CommandQueue<CommandEntry<Command>>({ capacity: options.queueSize });
    this.strategyState = options.strategy.initialState;
  }

  /** How many more children the queue takes now. */
  room(): number {
    return this.queue.capacity - this.queue.size;
  }

  get waiting(): number {
    return this.queue.size;
  }

  /** The creation time of the oldest child waiting for placement here, undefined when none waits. */
  oldestWaitingSince(): number | undefined {
    return this.queue.earliest((entry) => entry.command.createdAt);
  }

  /** New commands: the children without an agent wait for placement; anything else is ignored. */
  enqueue(commands: readonly Command[]): void {
    let added = false;
    for (const command of commands) {
      if (command.agentId !== null || command.parentId === null || command.target.kind !== 'capability')
        continue;
      if (this.offer(command)) added = true;
    }
    if (added) this.wake();
  }

  /** Reads back the children the store holds unplaced (on start, and after the queue overflowed). */
  async restore(): Promise<void> {
    this.spilled = false;
    const now = this.options.clock.now();
    const unplaced = await this.options.db.commands.unplacedChildren(now, this.options.queueSize);
    for (const parentId of new Set(unplaced.map((c) => c.parentId ?? ''))) {
      if (!this.taken.has(parentId)) this.taken.set(parentId, await this.agentsHolding(parentId));
    }
    this.enqueue(unplaced);
    if (unplaced.length >= this.options.queueSize) this.spilled = true;
  }

  /**
   * Children may wait unplaced in the store that this instance has not seen
   * (created on another instance): the next pass reads them back first. The
   * store's guarded write lets only one instance place each child.
   */
  recheckStore(): void {
    this.spilled = true;
    this.wake();
  }

  /** Runs a pass now, or right after the one under way. */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.queue.size === 0 && !this.spilled) return;
    this.running = this.pass()
      .catch((error: unknown) => {
        // The children the failed pass took from the queue are still unplaced in the store: read them back.
        this.spilled = true;
        this.options.onError(error);
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Waits for the pass under way, if any (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async pass(): Promise<void> {
    if (this.spilled && this.room() > 0) await this.restore();
    const now = this.options.clock.now();
    const groups = new Map<string, Command[]>();
    for (let next = this.queue.pop(); next !== undefined; next = this.queue.pop()) {
      if (next.command.expiresAt <= now) continue;
      const parentId = next.command.parentId ?? '';
      const group = groups.get(parentId);
      if (group) group.push(next.command);
      else groups.set(parentId, [next.command]);
    }
    const assignments: { command: Command; agentId: string }[] = [];
    const candidatesFor = new Map<string, AgentCandidate[]>();
    // Agents given work earlier in this pass, as they are now: the dispatcher's lanes (read by
    // `candidates`) do not show it until the pass has stored it, whatever capability it was for.
    const busier = new Map<string, AgentCandidate>();
    for (const [parentId, children] of groups) {
      const request = placementRequest(children[0] as Command, children.length);
      const key = JSON.stringify([request.capability, request.labels ?? {}]);
      const taken = this.taken.get(parentId) ?? new Set<string>();
      const read = candidatesFor.get(key) ?? (await this.options.candidates(request));
      const all = read.map((candidate) => {
        const assigned = busier.get(candidate.id);
        return assigned ? { ...candidate, inFlight: assigned.inFlight } : candidate;
      });
      const placement = place(
        request,
        all.filter((candidate) => !taken.has(candidate.id)),
        this.options.strategy,
        this.options.limits,
        this.strategyState,
      );
      this.strategyState = placement.state;
      // Keep the busier view for the next groups of this pass.
      for (const agent of placement.assigned) busier.set(agent.id, agent);
      candidatesFor.set(key, all);
      placement.assigned.forEach((agent, i) => {
        const command = children[i] as Command;
        assignments.push({ command, agentId: agent.id });
        taken.add(agent.id);
      });
      this.taken.set(parentId, taken);
      // The rest wait for the next pass; re-offering does not start one.
      for (const command of children.slice(placement.assigned.length)) this.offer(command);
    }
    await this.store(assignments, now);
    for (const parentId of this.taken.keys()) if (!groups.has(parentId)) this.taken.delete(parentId);
  }

  private async store(
    assignments: readonly { command: Command; agentId: string }[],
    now: number,
  ): Promise<void> {
    if (assignments.length === 0) return;
    const writes: CommandTransitionWrite[] = assignments.map(({ command, agentId }) => ({
      id: command.id,
      to: 'scheduled',
      at: now,
      assignAgentId: agentId,
      detail: `placed on ${agentId} (${this.options.strategy.name})`,
    }));
    const applied = await this.options.db.transaction(async (stores) => {
      const done = await stores.commands.applyTransitions(writes);
      if (done.length > 0)
        await stores.events.append(statusChangedEvents(this.options.events, done, SYSTEM_ACTOR, now));
      return new Set(done.map((t) => t.id));
    });
    // A child cancelled, expired or placed by another instance meanwhile was not placed here: its agent
    // is free again for that parent's other children.
    for (const { command, agentId } of assignments)
      if (!applied.has(command.id)) this.taken.get(command.parentId ?? '')?.delete(agentId);
    // The others go out.
    this.options.placed(
      assignments
        .filter(({ command }) => applied.has(command.id))
        .map(({ command, agentId }) => ({ ...command, agentId, status: 'scheduled' as const })),
    );
  }

  private offer(command: Command): boolean {
    const result = this.queue.offer(commandEntry(command));
    if (!result.accepted && result.reason === 'full') this.spilled = true;
    return result.accepted;
  }

  private async agentsHolding(parentId: string): Promise<Set<string>> {
    const agents = new Set<string>();
    let afterId: string | undefined;
    do {
      const page = await this.options.db.commands.list(
        { parentId },
        { ...(afterId === undefined ? {} : { afterId }), limit: 500, order: 'asc' },
      );
      for (const child of page.items) if (child.agentId !== null) agents.add(child.agentId);
      afterId = page.nextAfterId;
    } while (afterId !== undefined);
    return agents;
  }
}

/** What a capability child asks of the agents that may run it; `count` siblings are placed together. */
function placementRequest(child: Command, count: number): PlacementRequest {
  const target = child.target;
  if (target.kind !== 'capability') throw new TypeError(`command ${child.id} has no capability target`);
  return {
    count,
    capability: target.capability,
    priority: child.priority,
    ...(target.labels === undefined ? {} : { labels: target.labels }),
    ...(target.near === undefined ? {} : { locality: target.near }),
  };
}
