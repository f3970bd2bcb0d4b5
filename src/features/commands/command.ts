// The command as Corral stores it (plain data), the create-command request an operator sends, and the
// caps on what a command may carry. Parameters are checked against their type in command-types.ts; the
// lifecycle lives in command-state.ts.
import { z } from 'zod';
import { invalidArgument, preconditionFailed, type FieldViolation } from '../../shared/errors.js';
import { agentIdSchema, capabilitiesSchema, LABEL_KEY, labelsSchema, validate } from '../agents/agent.js';
import type { LocalityHint } from '../scheduling/strategy.js';
import { COMMAND_PRIORITY_VALUES, type CommandPriority } from './command-priority.js';
import { transition, type AggregateStatus, type CommandEvent, type CommandStatus } from './command-state.js';

export const MAX_PARAMS_BYTES = 64 * 1024;
export const MAX_RESULT_BYTES = 256 * 1024;
export const MAX_TARGET_AGENTS = 10_000;
export const MAX_CAPABILITY_COUNT = 10_000;
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;
export const MAX_TTL_SECONDS = 7 * 24 * 3600;
/** Used when the request names no deadline: one hour to finish. */
export const DEFAULT_TIMEOUT_SECONDS = 3600;
/** Used when the request names no expiry: fifteen minutes to reach an agent, never past the deadline. */
export const DEFAULT_TTL_SECONDS = 900;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type CommandTarget =
  | { readonly kind: 'agent'; readonly agentId: string }
  | { readonly kind: 'agents'; readonly agentIds: readonly string[] }
  | { readonly kind: 'group'; readonly groupId: string }
  | { readonly kind: 'selector'; readonly labels: Readonly<Record<string, string>> }
  | {
      readonly kind: 'capability';
      readonly capability: string;
      /** How many matching agents to pick. */
      readonly count: number;
      readonly labels?: Readonly<Record<string, string>>;
      /** Prefer agents near this (the locality strategy; the others rank by it too where they can). */
      readonly near?: LocalityHint;
    };

export interface CommandProgress {
  readonly percent: number;
  readonly message: string;
}

export interface CommandFailure {
  readonly code: string;
  readonly message: string;
}

export interface CommandHistoryEntry {
  readonly status: CommandStatus | AggregateStatus;
  readonly at: number;
  readonly detail?: string;
}

export interface Command {
  /** Time-ordered (IdSource), so id order is creation order. */
  readonly id: string;
  readonly type: string;
  readonly params: JsonObject;
  readonly priority: CommandPriority;
  readonly target: CommandTarget;
  /**
   * The one agent a single command or a child runs on; null on a bulk parent,
   * and on a child of a capability target until the scheduler places it.
   */
  readonly agentId: string | null;
  /** The bulk parent of a child command. */
  readonly parentId: string | null;
  /** Who asked: an actor string such as `api-key:ops-1`. */
  readonly requester: string;
  readonly idempotencyKey: string | null;
  readonly createdAt: number;
  /** Must have finished by then, or it times out. */
  readonly deadlineAt: number;
  /** Must have reached an agent by then, or it expires. */
  readonly expiresAt: number;
  /** A bulk parent holds its children's aggregate, which may be partially_failed. */
  readonly status: CommandStatus | AggregateStatus;
  /** How many times it was sent to an agent (dispatch plus redeliveries). */
  readonly deliveries: number;
  readonly progress: CommandProgress | null;
  /** At most MAX_RESULT_BYTES of JSON. */
  readonly result: JsonValue | null;
  readonly error: CommandFailure | null;
  readonly history: readonly CommandHistoryEntry[];
}

/** A bulk parent: fans out to children and holds their aggregate status; it runs nowhere itself. */
export const isBulkParent = (command: Pick<Command, 'agentId' | 'parentId'>): boolean =>
  command.agentId === null && command.parentId === null;

/** Deepest nesting accepted in a JSON body; deeper input would only exhaust the stack of recursive checks. */
export const MAX_JSON_DEPTH = 64;

/**
 * Refuses parsed JSON that holds a `__proto__` key (zod drops such keys, or turns them into prototypes,
 * without an issue) or nests deeper than MAX_JSON_DEPTH. Iterative, so it is safe on any input; run it
 * before anything recursive (zod, JSON.stringify) sees the value.
 */
export function refuseUnsafeJson(value: unknown, prefix = ''): void {
  const pending: { value: unknown; path: string[] }[] = [{ value, path: prefix === '' ? [] : [prefix] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.path.length - (prefix === '' ? 0 : 1) >= MAX_JSON_DEPTH)
      throw invalidArgument('invalid input', [
        { field: next.path.join('.') || '(root)', description: `nests deeper than ${MAX_JSON_DEPTH} levels` },
      ]);
    for (const [key, child] of Object.entries(next.value)) {
      const path = [...next.path, key];
      if (key === '__proto__')
        throw invalidArgument('invalid input', [
          { field: path.join('.'), description: 'is not an allowed key' },
        ]);
      pending.push({ value: child, path });
    }
  }
}

const byteLength = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

const jsonObject = (maxBytes: number) =>
  z
    .record(z.string(), z.json())
    .refine((value) => byteLength(value) <= maxBytes, `must be at most ${maxBytes} bytes of JSON`);

export const paramsSchema = jsonObject(MAX_PARAMS_BYTES);

export const resultSchema = z
  .json()
  .refine(
    (value) => byteLength(value) <= MAX_RESULT_BYTES,
    `must be at most ${MAX_RESULT_BYTES} bytes of JSON`,
  );

export const progressSchema = z
  .object({
    percent: z.number().min(0).max(100),
    message: z.string().max(1024, 'must be at most 1024 characters').default(''),
  })
  .strict();

const GROUP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** `status`, `scan`, `custom:edr-dump`: checked against the registry by validateParams. */
export const COMMAND_TYPE_PATTERN = /^(custom:)?[a-z][a-z0-9_-]{0,62}$/;

const selectorLabels = labelsSchema.refine((labels) => Object.keys(labels).length > 0, 'at least one label');

const localitySchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('ip'), ip: z.ipv4({ error: 'must be an IPv4 address a.b.c.d' }) }).strict(),
    z
      .object({ kind: z.literal('cidr'), cidr: z.cidrv4({ error: 'must be an IPv4 block a.b.c.d/n' }) })
      .strict(),
    z
      .object({
        kind: z.literal('label'),
        key: z.string().regex(LABEL_KEY, 'label keys are 1-64 characters of [A-Za-z0-9._/-]'),
        value: z.string().max(256, 'must be at most 256 characters'),
      })
      .strict(),
    z.object({ kind: z.literal('segment'), segment: z.string().min(1).max(256) }).strict(),
  ],
  { error: 'must have kind ip, cidr, label or segment' },
) satisfies z.ZodType<LocalityHint>;

export const targetSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('agent'), agentId: agentIdSchema }).strict(),
    z
      .object({
        kind: z.literal('agents'),
        agentIds: z
          .array(agentIdSchema)
          .min(1, 'at least one agent')
          .max(MAX_TARGET_AGENTS, `at most ${MAX_TARGET_AGENTS} agents`)
          .transform((ids) => [...new Set(ids)]),
      })
      .strict(),
    z
      .object({
        kind: z.literal('group'),
        groupId: z.string().regex(GROUP_ID, 'must be 1-128 characters of [A-Za-z0-9._:-]'),
      })
      .strict(),
    z.object({ kind: z.literal('selector'), labels: selectorLabels }).strict(),
    z
      .object({
        kind: z.literal('capability'),
        capability: capabilitiesSchema.element,
        count: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be at least 1')
          .max(MAX_CAPABILITY_COUNT, `must be at most ${MAX_CAPABILITY_COUNT}`),
        labels: labelsSchema.optional(),
        near: localitySchema.optional(),
      })
      .strict(),
  ],
  { error: 'must have kind agent, agents, group, selector or capability' },
);

const seconds = (max: number) =>
  z
    .number()
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`);
const isoTime = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z',
});

/** The create-command body as sent; `parseCreateCommandRequest` also resolves and checks the times. */
export const createCommandRequestSchema = z
  .object({
    type: z.string().regex(COMMAND_TYPE_PATTERN, 'must be a command type such as scan or custom:name'),
    params: paramsSchema.default({}),
    priority: z.enum(COMMAND_PRIORITY_VALUES).default('normal'),
    target: targetSchema,
    deadlineAt: isoTime.optional(),
    timeoutSeconds: seconds(MAX_TIMEOUT_SECONDS).optional(),
    expiresAt: isoTime.optional(),
    ttlSeconds: seconds(MAX_TTL_SECONDS).optional(),
    idempotencyKey: z.string().min(1).max(128, 'must be at most 128 characters').optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.deadlineAt !== undefined && body.timeoutSeconds !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['timeoutSeconds'],
        message: 'give deadlineAt or timeoutSeconds, not both',
      });
    if (body.expiresAt !== undefined && body.ttlSeconds !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['ttlSeconds'],
        message: 'give expiresAt or ttlSeconds, not both',
      });
  });

export interface CreateCommandRequest {
  readonly type: string;
  readonly params: JsonObject;
  readonly priority: CommandPriority;
  readonly target: CommandTarget;
  readonly deadlineAt: number;
  readonly expiresAt: number;
  readonly idempotencyKey: string | null;
}

/**
 * Validates a create-command body and resolves its times against `nowMs`. A deadline or expiry not after
 * `nowMs`, or beyond the maxima, is refused naming the field; an explicit expiry after the deadline too (a
 * command cannot be due to reach an agent after it must have finished). A defaulted expiry is capped at the
 * deadline instead.
 */
export function parseCreateCommandRequest(body: unknown, nowMs: number): CreateCommandRequest {
  refuseUnsafeJson(body);
  const parsed = validate(createCommandRequestSchema, body);
  const violations: FieldViolation[] = [];
  const absolute = (field: string, iso: string | undefined, maxSeconds: number): number | undefined => {
    if (iso === undefined) return undefined;
    const ms = Date.parse(iso);
    if (ms <= nowMs) violations.push({ field, description: 'must be in the future' });
    else if (ms > nowMs + maxSeconds * 1000)
      violations.push({ field, description: `must be at most ${maxSeconds} seconds from now` });
    return ms;
  };
  const deadlineAt =
    absolute('deadlineAt', parsed.deadlineAt, MAX_TIMEOUT_SECONDS) ??
    nowMs + (parsed.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const explicitExpiry =
    absolute('expiresAt', parsed.expiresAt, MAX_TTL_SECONDS) ??
    (parsed.ttlSeconds === undefined ? undefined : nowMs + parsed.ttlSeconds * 1000);
  if (explicitExpiry !== undefined && explicitExpiry > deadlineAt)
    violations.push({
      field: parsed.ttlSeconds === undefined ? 'expiresAt' : 'ttlSeconds',
      description: 'must not be after the deadline',
    });
  if (violations.length > 0) throw invalidArgument('invalid input', violations);
  return {
    type: parsed.type,
    params: parsed.params as JsonObject,
    priority: parsed.priority,
    target: parsed.target,
    deadlineAt,
    expiresAt: explicitExpiry ?? Math.min(nowMs + DEFAULT_TTL_SECONDS * 1000, deadlineAt),
    idempotencyKey: parsed.idempotencyKey ?? null,
  };
}

export interface NewCommand {
  readonly id: string;
  readonly requester: string;
  readonly createdAt: number;
  readonly agentId?: string | null;
  readonly parentId?: string | null;
}

/** A queued command from a validated request; the one agent of an `agent` target is resolved at once. */
export function newCommand(request: CreateCommandRequest, init: NewCommand): Command {
  return {
    ...request,
    id: init.id,
    requester: init.requester,
    createdAt: init.createdAt,
    agentId: init.agentId ?? (request.target.kind === 'agent' ? request.target.agentId : null),
    parentId: init.parentId ?? null,
    status: 'queued',
    deliveries: 0,
    progress: null,
    result: null,
    error: null,
    history: [{ status: 'queued', at: init.createdAt }],
  };
}

/**
 * Applies one lifecycle event: the new status (or precondition_failed), a history entry when the status
 * changes, and the delivery count. Progress, result and error are the caller's to set with the event.
 */
export function applyEvent(command: Command, event: CommandEvent, atMs: number, detail?: string): Command {
  const from = command.status;
  if (from === 'partially_failed')
    throw preconditionFailed(`the command is already ${from}; ${event} is not accepted`);
  const to = transition(from, event);
  const delivered = event === 'dispatch' || event === 'redeliver';
  const entry: CommandHistoryEntry =
    detail === undefined ? { status: to, at: atMs } : { status: to, at: atMs, detail };
  return {
    ...command,
    status: to,
    deliveries: command.deliveries + (delivered ? 1 : 0),
    history: to === from && !delivered ? command.history : [...command.history, entry],
  };
}
