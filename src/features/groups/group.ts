// Agent groups as Corral stores them, and the rules for creating and changing
// them. Plain data and pure functions (ADR 0010).
//
// - Ids are server-generated, time-ordered (IdSource), like commands and
//   secrets: a group can be renamed without breaking what refers to it.
// - `static` groups list their members explicitly; `dynamic` groups are the
//   enrolled agents whose labels include every pair of the selector, computed
//   on each read, never stored, so they follow label changes at once.
// - Priority orders an agent's groups. Configuration layers and policies
//   attached to groups are applied so that the FIRST group in GROUP_ORDER wins:
//   higher priority first, and among equal priorities the smaller id (the older
//   group). GroupService.groupsOf returns this order; other features rely on it.
import { z } from 'zod';
import { invalidArgument } from '../../shared/errors.js';
import { labelsSchema, validate } from '../agents/agent.js';

export const GroupKind = { Static: 'static', Dynamic: 'dynamic' } as const;
export type GroupKind = (typeof GroupKind)[keyof typeof GroupKind];
export const GROUP_KIND_VALUES: readonly GroupKind[] = Object.values(GroupKind);

export const MIN_GROUP_PRIORITY = -1000;
export const MAX_GROUP_PRIORITY = 1000;

export interface Group {
  readonly id: string;
  /** Unique (exact, case-sensitive). */
  readonly name: string;
  readonly description: string;
  readonly kind: GroupKind;
  /** Dynamic groups: the labels a member must carry (every pair). Null for static groups. */
  readonly selector: Readonly<Record<string, string>> | null;
  /** -1000..1000; higher wins when an agent's groups disagree (see GROUP_ORDER). */
  readonly priority: number;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
  readonly updatedBy: string;
  /** 1 when created, one more on every update; the ETag. Membership changes do not bump it. */
  readonly revision: number;
}

/** The order in which an agent's groups win: priority descending, then id ascending. */
export function compareGroupPrecedence(a: Group, b: Group): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether an agent with `labels` belongs to a dynamic group with `selector`: labels ⊇ selector. */
export function selectorMatches(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector).every(
    ([key, value]) => Object.hasOwn(labels, key) && labels[key] === value,
  );
}

// No control characters: names show up in tables and logs.
const NAME = /^[^\p{Cc}]*$/u;
const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(NAME, 'must not contain control characters');
const descriptionSchema = z.string().max(1024, 'must be at most 1024 characters');
const selectorSchema = labelsSchema.refine(
  (labels) => Object.keys(labels).length > 0,
  'needs at least one label (an empty selector would match the whole fleet)',
);
const prioritySchema = z
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(MIN_GROUP_PRIORITY, `must be at least ${MIN_GROUP_PRIORITY}`)
  .max(MAX_GROUP_PRIORITY, `must be at most ${MAX_GROUP_PRIORITY}`);

export const createGroupSchema = z.strictObject({
  name: nameSchema,
  description: descriptionSchema.default(''),
  kind: z.enum(GROUP_KIND_VALUES as [GroupKind, ...GroupKind[]], { error: 'must be static or dynamic' }),
  selector: selectorSchema.optional().describe('Required for dynamic groups, absent for static ones'),
  priority: prioritySchema.default(0),
});
export type CreateGroupRequest = z.output<typeof createGroupSchema>;

export const updateGroupSchema = z.strictObject({
  name: nameSchema.optional(),
  description: descriptionSchema.optional(),
  kind: z.string().optional().describe('May repeat the kind; a group cannot change kind'),
  selector: selectorSchema.optional().describe('Dynamic groups only; replaces the whole selector'),
  priority: prioritySchema.optional(),
});
export type GroupChanges = Omit<z.output<typeof updateGroupSchema>, 'kind'>;

const refuse = (field: string, description: string) =>
  invalidArgument('invalid input', [{ field, description }]);

/** A create body checked: a dynamic group has a selector, a static one none. */
export function parseCreateGroup(body: unknown): CreateGroupRequest {
  const request = validate(createGroupSchema, body);
  if (request.kind === GroupKind.Dynamic && request.selector === undefined)
    throw refuse('selector', 'is required for a dynamic group');
  if (request.kind === GroupKind.Static && request.selector !== undefined)
    throw refuse('selector', 'must be absent for a static group (add members instead)');
  return request;
}

/** An update body checked against the group it changes. */
export function parseGroupChanges(body: unknown, group: Group): GroupChanges {
  const { kind, ...changes } = validate(updateGroupSchema, body);
  if (kind !== undefined && kind !== group.kind)
    throw refuse('kind', `cannot change (the group is ${group.kind}); create a new group`);
  if (group.kind === GroupKind.Static && changes.selector !== undefined)
    throw refuse('selector', 'static groups have no selector (add or remove members instead)');
  if (Object.keys(changes).length === 0)
    throw refuse('(root)', 'give at least one of name, description, selector, priority');
  return changes;
}
