// Operator-registered command types (`custom:<name>`): register, replace (at the
// revision the caller read), read, list (built-ins first), delete (refused while
// unfinished commands use the type, unless forced). Every change commits with
// its event and audit entry. The service also holds the registry that command
// creation validates params against: built from the store by load() at start and
// updated here after each change commits (ADR 0008).
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { isCorralError, notFound, preconditionFailed } from '../../shared/errors.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import { COMMAND_STATUS_VALUES, isTerminal } from './command-state.js';
import type { StoredCommandType } from './command-type-store.js';
import {
  builtInCommandType,
  customTypeName,
  parseRegistration,
  registrationOf,
} from './command-type-registration.js';
import {
  BUILT_IN_COMMAND_TYPES,
  createCommandTypeRegistry,
  customTypeDefinition,
  parseCustomCommandType,
  type CommandTypeDefinition,
  type CommandTypeRegistry,
  type CustomCommandType,
} from './command-types.js';

/** Registered types one deployment may hold: each is a converted zod schema in every instance's memory. */
export const MAX_CUSTOM_COMMAND_TYPES = 1000;

const UNFINISHED = COMMAND_STATUS_VALUES.filter((status) => !isTerminal(status));

/** A type as the API shows it: a built-in (code only) or a registered one (its stored record). */
export type CommandTypeView =
  | { readonly kind: 'built_in'; readonly definition: CommandTypeDefinition }
  | { readonly kind: 'custom'; readonly stored: StoredCommandType };

/** What load() found: stored types that no longer pass the meta-schema are left out and named. */
export interface LoadedCommandTypes {
  readonly loaded: number;
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

export interface DeleteOptions {
  /** Delete even while unfinished commands use the type (they keep running; new ones are refused). */
  readonly force?: boolean;
  /** Only at this revision (If-Match). */
  readonly expectedRevision?: number;
}

export class CommandTypeService {
  private current: CommandTypeRegistry = createCommandTypeRegistry();
  /** Changes run one at a time, so the registry applies them in the order they committed. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly auditor: Auditor,
    private readonly events: EventFactory,
    private readonly clock: Clock,
  ) {}

  /** The registry command creation validates against (built-ins plus every type this process knows). */
  registry(): CommandTypeRegistry {
    return this.current;
  }

  /** (Re)builds the registry from the store; call once before serving. */
  load(): Promise<LoadedCommandTypes> {
    return this.exclusive(async () => {
      const custom: CustomCommandType[] = [];
      const skipped: { name: string; reason: string }[] = [];
      for (const stored of await this.db.commandTypes.list()) {
        try {
          custom.push(parseCustomCommandType(registrationOf(stored)));
        } catch (error) {
          if (!isCorralError(error)) throw error;
          const fields = error.violations.map((v) => `${v.field}: ${v.description}`).join('; ');
          skipped.push({ name: stored.name, reason: fields || error.message });
        }
      }
      this.current = createCommandTypeRegistry(custom);
      return { loaded: custom.length, skipped };
    });
  }

  async list(): Promise<CommandTypeView[]> {
    const stored = await this.db.commandTypes.list();
    return [
      ...BUILT_IN_COMMAND_TYPES.map((definition) => ({ kind: 'built_in' as const, definition })),
      ...stored.map((s) => ({ kind: 'custom' as const, stored: s })),
    ];
  }

  async get(name: string): Promise<CommandTypeView> {
    const definition = builtInCommandType(name);
    if (definition) return { kind: 'built_in', definition };
    const stored = await this.db.commandTypes.get(name);
    if (!stored) throw notFound('command type', name);
    return { kind: 'custom', stored };
  }

  register(context: RequestContext, body: unknown): Promise<StoredCommandType> {
    const given = (body as { name?: unknown } | null)?.name;
    const target = typeof given === 'string' && given.length <= 128 ? given : null;
    return this.exclusive(async () => {
      const stored = await this.auditor.run(
        context,
        { action: 'command_type.register', targetKind: 'command_type', targetId: target },
        async (stores) => {
          const { name, custom } = parseRegistration(body);
          if ((await stores.commandTypes.count()) >= MAX_CUSTOM_COMMAND_TYPES)
            throw preconditionFailed(
              `at most ${MAX_CUSTOM_COMMAND_TYPES} custom command types can be registered; delete one first`,
            );
          const now = this.clock.now();
          const actor = context.principal.actor;
          const record: StoredCommandType = {
            name,
            description: custom.description,
            schema: custom.schema,
            example: custom.example ?? null,
            createdAt: now,
            createdBy: actor,
            updatedAt: now,
            updatedBy: actor,
            revision: 1,
          };
          await stores.commandTypes.insert(record);
          await stores.events.append([this.event(EventType.CommandTypeRegistered, record, actor, {})]);
          return record;
        },
        (record) => ({ targetId: record.name, details: { revision: record.revision } }),
      );
      this.put(stored);
      return stored;
    });
  }

  /** Replaces description, schema and example; only at `expectedRevision` when given. */
  replace(
    context: RequestContext,
    name: string,
    body: unknown,
    expectedRevision?: number,
  ): Promise<StoredCommandType> {
    return this.exclusive(async () => {
      const updated = await this.auditor.run(
        context,
        { action: 'command_type.update', targetKind: 'command_type', targetId: name },
        async (stores) => {
          const { custom } = parseRegistration(body, name);
          const current = await stores.commandTypes.get(name);
          if (!current) throw notFound('command type', name);
          const actor = context.principal.actor;
          const replaced = await stores.commandTypes.replace(
            name,
            {
              description: custom.description,
              schema: custom.schema,
              example: custom.example ?? null,
              updatedAt: this.clock.now(),
              updatedBy: actor,
            },
            expectedRevision,
          );
          if (!replaced) throw changedSince(name, expectedRevision, current.revision);
          await stores.events.append([this.event(EventType.CommandTypeUpdated, replaced, actor, {})]);
          return replaced;
        },
        (stored) => ({ details: { revision: stored.revision } }),
      );
      this.put(updated);
      return updated;
    });
  }

  delete(context: RequestContext, name: string, options: DeleteOptions = {}): Promise<void> {
    const force = options.force ?? false;
    return this.exclusive(async () => {
      await this.auditor.run(
        context,
        { action: 'command_type.delete', targetKind: 'command_type', targetId: name, details: { force } },
        async (stores) => {
          customTypeName(name);
          const current = await stores.commandTypes.get(name);
          if (!current) throw notFound('command type', name);
          const expected = options.expectedRevision;
          if (expected !== undefined && expected !== current.revision)
            throw changedSince(name, expected, current.revision);
          const unfinished = await stores.commands.list(
            { type: name, status: UNFINISHED },
            { limit: 1, order: 'asc' },
          );
          const inUse = unfinished.items[0]?.id;
          if (inUse !== undefined && !force)
            throw preconditionFailed(
              `command type ${name} is used by unfinished commands (such as ${inUse}); let them finish or cancel them, or delete with force=true`,
            );
          if (!(await stores.commandTypes.delete(name, current.revision)))
            throw changedSince(name, current.revision, undefined);
          const actor = context.principal.actor;
          await stores.events.append([
            this.event(EventType.CommandTypeDeleted, current, actor, { forced: inUse !== undefined }),
          ]);
        },
      );
      const next = new Map(this.current);
      next.delete(name);
      this.current = next;
    });
  }

  private put(stored: StoredCommandType): void {
    // Built from what was stored, the way load() will rebuild it after a restart.
    const definition = customTypeDefinition(parseCustomCommandType(registrationOf(stored)));
    this.current = new Map([...this.current, [definition.name, definition]]);
  }

  private event(type: EventType, stored: StoredCommandType, actor: string, extra: Record<string, unknown>) {
    return this.events.make(
      type,
      { kind: 'command_type', id: stored.name },
      actor,
      { revision: stored.revision, description: stored.description, ...extra },
      this.clock.now(),
    );
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function changedSince(name: string, expected: number | undefined, now: number | undefined) {
  const current = now === undefined ? '' : ` (it is at revision ${now})`;
  return preconditionFailed(
    `command type ${name} changed since revision ${expected ?? '?'}${current}; fetch it again`,
  );
}
