// A command as the admin API shows it: camelCase, times as ISO-8601 (history
// too), and the progress, result and error the agent reported (null until then).
import { z } from 'zod';
import { isoTime, isoTimeSchema } from '../../transports/http/json-values.js';
import { COMMAND_PRIORITY_VALUES } from './command-priority.js';
import { COMMAND_STATUS_VALUES } from './command-state.js';
import type { Command } from './command.js';
import type { ChildCounts } from './command-store.js';

/** Every status a command shows: the lifecycle's, plus a bulk parent's partially_failed. */
export const COMMAND_JSON_STATUS_VALUES = [...COMMAND_STATUS_VALUES, 'partially_failed'] as const;

const labels = z.record(z.string(), z.string());

const targetJsonSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('agent'), agentId: z.string() }),
    z.strictObject({ kind: z.literal('agents'), agentIds: z.array(z.string()) }),
    z.strictObject({ kind: z.literal('group'), groupId: z.string() }),
    z.strictObject({ kind: z.literal('selector'), labels }),
    z.strictObject({
      kind: z.literal('capability'),
      capability: z.string(),
      count: z.number().int(),
      labels: labels.optional(),
      near: z
        .union([
          z.strictObject({ kind: z.literal('ip'), ip: z.string() }),
          z.strictObject({ kind: z.literal('cidr'), cidr: z.string() }),
          z.strictObject({ kind: z.literal('label'), key: z.string(), value: z.string() }),
          z.strictObject({ kind: z.literal('segment'), segment: z.string() }),
        ])
        .optional(),
    }),
  ])
  .describe('What the command was sent to, as requested');

export const commandJsonSchema = z.strictObject({
  id: z.string(),
  type: z.string(),
  params: z.record(z.string(), z.json()),
  priority: z.enum(COMMAND_PRIORITY_VALUES),
  target: targetJsonSchema,
  agentId: z
    .string()
    .nullable()
    .describe('The agent it runs on; null on a bulk parent, and on a capability child not placed yet'),
  parentId: z.string().nullable().describe('The bulk parent of a per-agent command'),
  requester: z.string().describe('Who asked, e.g. api-key:ops-1'),
  idempotencyKey: z.string().nullable(),
  status: z.enum(COMMAND_JSON_STATUS_VALUES).describe("A bulk parent shows its children's aggregate"),
  createdAt: isoTimeSchema,
  deadlineAt: isoTimeSchema.describe('Must have finished by then, or it times out'),
  expiresAt: isoTimeSchema.describe('Must have reached an agent by then, or it expires'),
  deliveries: z.number().int().describe('How many times it was sent to an agent'),
  progress: z.strictObject({ percent: z.number(), message: z.string() }).nullable(),
  result: z.json().nullable(),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  children: z
    .strictObject({
      total: z.number().int(),
      byStatus: z.record(z.string(), z.number().int()),
    })
    .nullable()
    .describe("A bulk parent's per-agent commands, by status; null on any other command"),
  history: z.array(
    z.strictObject({
      status: z.enum(COMMAND_JSON_STATUS_VALUES),
      at: isoTimeSchema,
      detail: z.string().optional(),
    }),
  ),
});
export type CommandJson = z.output<typeof commandJsonSchema>;

/** `children` is a bulk parent's children counts (see CommandService.withChildren); omitted: null. */
export function commandJson(command: Command, children?: ChildCounts): CommandJson {
  return {
    id: command.id,
    type: command.type,
    params: command.params,
    priority: command.priority,
    target: command.target as CommandJson['target'],
    agentId: command.agentId,
    parentId: command.parentId,
    requester: command.requester,
    idempotencyKey: command.idempotencyKey,
    status: command.status,
    createdAt: isoTime(command.createdAt),
    deadlineAt: isoTime(command.deadlineAt),
    expiresAt: isoTime(command.expiresAt),
    deliveries: command.deliveries,
    progress: command.progress,
    result: command.result,
    error: command.error,
    children:
      children === undefined
        ? null
        : {
            total: Object.values(children).reduce((sum, n) => sum + (n ?? 0), 0),
            byStatus: Object.fromEntries(
              Object.entries(children).filter(([, n]) => n !== undefined),
            ) as Record<string, number>,
          },
    history: command.history.map((entry) => ({
      status: entry.status,
      at: isoTime(entry.at),
      ...(entry.detail === undefined ? {} : { detail: entry.detail }),
    })),
  };
}
