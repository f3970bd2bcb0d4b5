// Commands as operators see them: create (validated, idempotent, targets
// expanded into one command per agent under a bulk parent; a capability
// target into children the scheduler places), read, list, cancel. Every change
// commits with its events and audit entry; the hooks hand the result to
// dispatch and placement.
import type { Database, Stores } from '../../infra/store/stores.js';
import { contentHash } from '../../shared/canonical-json.js';
import type { Clock } from '../../shared/clock.js';
import {
  invalidArgument,
  isCorralError,
  notFound,
  permissionDenied,
  preconditionFailed,
  resourceExhausted,
} from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import { roleAllows, Role } from '../api-keys/api-key.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import { cancelNeedsAgent, isTerminal, type CommandStatus } from './command-state.js';
import { byCommand, statusChangedEvents } from './command-events.js';
import type {
  AppliedTransition,
  ChildCounts,
  CommandFilter,
  CommandTransitionWrite,
} from './command-store.js';
import { enrolledAgentIds, resolveTarget, type ResolvedTarget } from './command-targets.js';
import { EMERGENCY_TYPES, checkPriority, validateParams, type CommandTypeRegistry } from './command-types.js';
import {
  isBulkParent,
  MAX_TARGET_AGENTS,
  newCommand,
  parseCreateCommandRequest,
  type Command,
  type CreateCommandRequest,
} from './command.js';
import { emergencyParams, parseEmergencyRequest } from './emergency.js';

const PAGE = 500;

export interface CreatedCommand {
  /** The command the caller follows: the single command, or the bulk parent. */
  readonly command: Command;
  /** The per-agent commands under a bulk parent (empty for a single-agent command). */
  readonly children: readonly Command[];
  /** True when an earlier request with the same idempotency key created it. */
  readonly replayed: boolean;
}

/** Where created and cancelled commands go next (the dispatcher and the scheduler). */
export interface CommandHooks {
  /** New per-agent commands, and children that wait for placement (no agent yet). */
  created(commands: readonly Command[]): void;
  cancelRequested(commands: readonly Command[], reason: string): void;
  /** Commands that ended here (cancelled before reaching an agent). */
  ended(transitions: readonly AppliedTransition[]): void;
  /** How many more children of capability targets the scheduler's queue takes now. */
  placementRoom(): number;
}

/** When to retry a create refused because the placement queue is full. */
const PLACEMENT_RETRY_MS = 1_000;

export class CommandService {
  constructor(
    private readonly db: Database,
    private readonly registry: () => CommandTypeRegistry,
    private readonly auditor: Auditor,
    private readonly events: EventFactory,
    private readonly ids: IdSource,
    private readonly clock: Clock,
    private readonly hooks: CommandHooks,
  ) {}

  async create(context: RequestContext, body: unknown): Promise<CreatedCommand> {
    const created = await this.createStored(context, body);
    if (!created.replayed)
      this.hooks.created(created.children.length > 0 ? created.children : [created.command]);
    return created;
  }

  private createStored(context: RequestContext, body: unknown): Promise<CreatedCommand> {
    return this.auditor.run(
      context,
      { action: 'command.create', targetKind: 'command', targetId: null },
      async (stores) => {
        const now = this.clock.now();
        const request = parseCreateCommandRequest(body, now);
        const params = validateParams(this.registry(), request.type, request.params);
        checkPriority(request.type, request.priority);
        if (
          (EMERGENCY_TYPES.has(request.type) || request.priority === 'emergency') &&
          !roleAllows(context.principal.role, Role.Admin)
        ) {
          throw permissionDenied('emergency commands need the admin role');
        }
        const validated: CreateCommandRequest = { ...request, params };
        const requestHash = hashRequest(body, context.principal.actor);
        const key = validated.idempotencyKey;
        const replay = async (): Promise<CreatedCommand | undefined> => {
          if (key === null) return undefined;
          const earlier = await stores.commands.findByIdempotencyKey(context.principal.actor, key);
          if (!earlier) return undefined;
          if (earlier.requestHash !== requestHash)
            throw preconditionFailed('this Idempotency-Key was used with a different request; use a new key');
          return { command: earlier.command, children: [], replayed: true };
        };
        const earlier = await replay();
        if (earlier) return earlier;
        const resolved = await resolveTarget(stores, validated.target);
        if (resolved.kind === 'unplaced') this.checkPlacementRoom(resolved.count);
        const created = this.build(validated, resolved, context.principal.actor, now);
        if (
          key !== null &&
          !(await stores.commands.claimIdempotencyKey(
            context.principal.actor,
            key,
            created.command.id,
            requestHash,
            now,
          ))
        ) {
          // The same key committed by a concurrent request (another instance) since the lookup above.
          const concurrent = await replay();
          if (concurrent) return concurrent;
          throw preconditionFailed('this Idempotency-Key is being used by another request; retry');
        }
        await stores.commands.insertMany([created.command, ...created.children]);
        await stores.events.append(
          [created.command, ...created.children].map((c) =>
            this.events.make(
              EventType.CommandCreated,
              { kind: 'command', id: c.id },
              context.principal.actor,
              {
                type: c.type,
                priority: c.priority,
                agentId: c.agentId,
                parentId: c.parentId,
              },
              now,
            ),
          ),
        );
        return { ...created, replayed: false };
      },
      (created) => ({
        targetId: created.command.id,
        details: {
          type: created.command.type,
          agents: created.children.length || 1,
          replayed: created.replayed,
        },
      }),
    );
  }

  /**
   * Fleet-, selector- or group-wide shutdown, restart or isolate at emergency priority
   * (admin only, confirmed by repeating the action). One bulk command.
   */
  async emergency(context: RequestContext, body: unknown): Promise<CreatedCommand> {
    const refuse = async (error: unknown): Promise<never> => {
      // Refused before any command exists: audit the attempt itself.
      const code = isCorralError(error) ? error.code : 'internal';
      await this.auditor.refused(
        context,
        { action: 'command.emergency', targetKind: 'command', targetId: null },
        code,
      );
      throw error;
    };
    if (!roleAllows(context.principal.role, Role.Admin)) {
      return refuse(permissionDenied('emergency controls need the admin role'));
    }
    let request;
    try {
      request = parseEmergencyRequest(body);
    } catch (error) {
      return refuse(error);
    }
    const agentIds =
      request.scope.kind === 'fleet' ? await enrolledAgentIds(this.db, {}, MAX_TARGET_AGENTS) : [];
    if (request.scope.kind === 'fleet' && agentIds.length === 0) {
      return refuse(
        invalidArgument('no agent to act on', [
          { field: 'scope', description: 'the fleet has no enrolled agent' },
        ]),
      );
    }
    const { scope } = request;
    const target =
      scope.kind === 'selector'
        ? { kind: 'selector', labels: scope.labels }
        : scope.kind === 'group'
          ? { kind: 'group', groupId: scope.groupId }
          : { kind: 'agents', agentIds };
    return this.create(context, {
      type: request.action,
      priority: 'emergency',
      params: emergencyParams(request),
      target,
    });
  }

  async get(id: string): Promise<Command> {
    const command = await this.db.commands.get(id);
    if (!command) throw notFound('command', id);
    return command;
  }

  list(filter: CommandFilter, page: { afterId?: string; limit: number; order: 'asc' | 'desc' }) {
    return this.db.commands.list(filter, page);
  }

  /** Each bulk parent among `commands` with its children's counts by status (one query). */
  async withChildren(commands: readonly Command[]): Promise<{ command: Command; children?: ChildCounts }[]> {
    const parents = commands.filter(isBulkParent).map((c) => c.id);
    const counts = parents.length > 0 ? await this.db.commands.childCounts(parents) : new Map();
    return commands.map((command) =>
      isBulkParent(command) ? { command, children: counts.get(command.id) ?? {} } : { command },
    );
  }

  /**
   * Asks for a command (and, for a bulk parent, every child) to stop. Commands
   * no agent has received are cancelled at once; the others wait for the agent
   * to confirm (or to finish first).
   */
  async cancel(context: RequestContext, id: string, reason = 'cancelled by operator'): Promise<Command> {
    const { reachAgents, ended } = await this.auditor.run(
      context,
      { action: 'command.cancel', targetKind: 'command', targetId: id },
      async (stores) => {
        const command = await stores.commands.get(id);
        if (!command) throw notFound('command', id);
        const targets = isBulkParent(command)
          ? (await this.childrenOf(stores, id)).filter((c) => !isTerminal(c.status as CommandStatus))
          : [command];
        if (targets.length === 0 || targets.every((c) => isTerminal(c.status as CommandStatus))) {
          throw preconditionFailed(`command ${JSON.stringify(id)} has already finished (${command.status})`);
        }
        const now = this.clock.now();
        const writes: CommandTransitionWrite[] = targets.flatMap((c) => {
          const request: CommandTransitionWrite = {
            id: c.id,
            to: 'cancel_requested',
            at: now,
            detail: reason,
          };
          return cancelNeedsAgent(c.status as CommandStatus)
            ? [request]
            : [request, { id: c.id, to: 'cancelled', at: now, detail: 'never reached an agent' }];
        });
        const applied = await stores.commands.applyTransitions(writes);
        await stores.events.append(
          statusChangedEvents(this.events, applied, context.principal.actor, now, reason),
        );
        const appliedIds = new Set(applied.map((t) => t.id));
        return {
          reachAgents: targets.filter(
            (c) => cancelNeedsAgent(c.status as CommandStatus) && appliedIds.has(c.id),
          ),
          ended: byCommand(applied).filter((t) => t.path.at(-1) === 'cancelled'),
        };
      },
    );
    // Commands already on an agent stop only when the agent confirms.
    this.hooks.cancelRequested(reachAgents, reason);
    this.hooks.ended(ended);
    return this.get(id);
  }

  private build(
    request: CreateCommandRequest,
    resolved: ResolvedTarget,
    requester: string,
    now: number,
  ): { command: Command; children: Command[] } {
    if (request.target.kind === 'agent') {
      return {
        command: newCommand(request, { id: this.ids.next(), requester, createdAt: now }),
        children: [],
      };
    }
    const parent = newCommand(request, { id: this.ids.next(), requester, createdAt: now, agentId: null });
    const child = (agentId: string | null) =>
      newCommand(
        // Each child targets its one agent; the parent keeps the target as asked (a child copying a
        // 10,000-agent list would store that list 10,000 times). Unplaced children keep the capability.
        agentId === null ? request : { ...request, target: { kind: 'agent', agentId } },
        { id: this.ids.next(), requester, createdAt: now, agentId, parentId: parent.id },
      );
    const children =
      resolved.kind === 'agents'
        ? resolved.agentIds.map(child)
        : Array.from({ length: resolved.count }, () => child(null));
    return { command: parent, children };
  }

  /** Capability children wait in the scheduler's bounded queue; refuse what it cannot take now. */
  private checkPlacementRoom(count: number): void {
    const room = this.hooks.placementRoom();
    if (count > room)
      throw resourceExhausted(
        `the placement queue has room for ${room} more commands, this needs ${count} (COMMAND_QUEUE_SIZE)`,
        PLACEMENT_RETRY_MS,
      );
  }

  private async childrenOf(stores: Stores, parentId: string): Promise<Command[]> {
    const out: Command[] = [];
    let afterId: string | undefined;
    do {
      const page = await stores.commands.list(
        { parentId },
        { ...(afterId === undefined ? {} : { afterId }), limit: PAGE, order: 'asc' },
      );
      out.push(...page.items);
      afterId = page.nextAfterId;
    } while (afterId !== undefined);
    return out;
  }
}

/** The identity of a request for Idempotency-Key checks: the body as sent (key order aside) and who sent it. */
function hashRequest(body: unknown, requester: string): string {
  return contentHash({ requester, body });
}
