// Admin API routes for commands: create (the Idempotency-Key header is the
// body's idempotencyKey, kept durably by the command service), list with
// filters, read, cancel, one agent's commands, and statistics. The seed's
// /api/commands paths reuse the same specs.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { invalidArgument } from '../../shared/errors.js';
import { IDEMPOTENCY_HEADER } from '../../transports/http/idempotency.js';
import { pageOf } from '../../transports/http/json-values.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import { commaList, isoTimeQuery } from '../../transports/http/query-params.js';
import {
  addRoute,
  idParams,
  resourceIdSchema,
  type RouteDependencies,
  type RouteSpec,
} from '../../transports/http/route-kit.js';
import { validate } from '../agents/agent.js';
import { Role } from '../api-keys/api-key.js';
import { COMMAND_TYPE_PATTERN, createCommandRequestSchema, isBulkParent, type Command } from './command.js';
import { COMMAND_JSON_STATUS_VALUES, commandJson, commandJsonSchema } from './command-json.js';
import type { CommandService } from './command-service.js';
import { emergencyRequestSchema } from './emergency.js';
import type { CommandFilter } from './command-store.js';

const TAGS = ['commands'];

const commandTypeQuery = z
  .string()
  .regex(COMMAND_TYPE_PATTERN, 'must be a command type such as scan or custom:name')
  .describe('Exact command type');
const orderQuery = z
  .enum(['asc', 'desc'], { error: 'must be asc or desc' })
  .default('desc')
  .describe('By creation time: desc (newest first, the default) or asc');

export const listCommandsQuery = z.strictObject({
  status: commaList(COMMAND_JSON_STATUS_VALUES, 'statuses').optional(),
  agentId: resourceIdSchema.optional().describe("Only this agent's commands"),
  type: commandTypeQuery.optional(),
  parentId: resourceIdSchema.optional().describe('Only the per-agent commands of this bulk parent'),
  since: isoTimeQuery('Created at or after this time').optional(),
  until: isoTimeQuery('Created before this time').optional(),
  order: orderQuery,
  ...pageQueryShape,
});
const agentCommandsQuery = listCommandsQuery.omit({ agentId: true });

const createHeaders = z.object({
  [IDEMPOTENCY_HEADER]: z
    .string()
    .optional()
    .describe(
      "Becomes the body's idempotencyKey (a body carrying another key is refused). Retrying with the same key and body returns the first command with 200; the same key with another body gets 412",
    ),
});

export const createdCommandJsonSchema = z.strictObject({
  command: commandJsonSchema.describe('The single-agent command, or the bulk parent to follow'),
  children: z.array(z.string()).describe('Ids of the per-agent commands under a bulk parent; [] otherwise'),
});

const cancelBodySchema = z
  .strictObject({
    reason: z
      .string()
      .min(1, 'must not be empty')
      .max(512, 'must be at most 512 characters')
      .optional()
      .describe('Recorded in the history; default "cancelled by operator"'),
  })
  .optional();

/** The body with the Idempotency-Key header as its idempotencyKey; a body naming another key is refused. */
function withHeaderKey(body: unknown, header: string | string[] | undefined): unknown {
  if (header === undefined) return body;
  if (typeof header !== 'string')
    throw invalidArgument('invalid Idempotency-Key', [
      { field: 'Idempotency-Key', description: 'must be given once' },
    ]);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const inBody = (body as { idempotencyKey?: unknown }).idempotencyKey;
  if (inBody !== undefined && inBody !== header)
    throw invalidArgument('conflicting idempotency keys', [
      { field: 'idempotencyKey', description: 'differs from the Idempotency-Key header; send one key' },
    ]);
  return { ...body, idempotencyKey: header };
}

/** Ids of a bulk parent's per-agent commands, oldest first. */
async function childIds(commands: CommandService, parent: Command): Promise<string[]> {
  if (!isBulkParent(parent)) return [];
  const ids: string[] = [];
  let afterId: string | undefined;
  do {
    const page = await commands.list(
      { parentId: parent.id },
      { ...(afterId === undefined ? {} : { afterId }), limit: 500, order: 'asc' },
    );
    ids.push(...page.items.map((c) => c.id));
    afterId = page.nextAfterId;
  } while (afterId !== undefined);
  return ids;
}

type ListQuery = z.output<typeof agentCommandsQuery> & { agentId?: string | undefined };

async function listPage(commands: CommandService, query: ListQuery) {
  const filter: CommandFilter = {
    status: query.status,
    agentId: query.agentId,
    type: query.type,
    parentId: query.parentId,
    since: query.since,
    until: query.until,
  };
  // The order is part of what the page token is bound to: a cursor means nothing in the other order.
  const bound = { ...filter, order: query.order };
  const page = await commands.list(filter, { ...pageRequest(query, bound), order: query.order });
  const shown = await commands.withChildren(page.items);
  return pageResponse({ items: shown, nextAfterId: page.nextAfterId }, bound, (c) =>
    commandJson(c.command, c.children),
  );
}

/** One command as the API shows it: a bulk parent with its children's counts. */
async function shown(commands: CommandService, command: Command) {
  const [withChildren] = await commands.withChildren([command]);
  return commandJson(command, withChildren?.children);
}

const listCommands = ({ services }: RouteDependencies): RouteSpec<z.ZodType, typeof listCommandsQuery> => ({
  method: 'GET',
  url: '/commands',
  role: Role.Viewer,
  summary: 'List commands',
  description: 'Filters combine with AND. Bulk parents and their per-agent commands are both listed.',
  tags: TAGS,
  query: listCommandsQuery,
  responses: { 200: { description: 'A page of commands', schema: pageOf(commandJsonSchema) } },
  handler: async ({ query }) => listPage(services.commands, query),
});

const getCommand = ({ services }: RouteDependencies): RouteSpec<typeof idParams, z.ZodType> => ({
  method: 'GET',
  url: '/commands/:id',
  role: Role.Viewer,
  summary: 'Get a command',
  tags: TAGS,
  params: idParams,
  responses: { 200: { description: 'The command', schema: commandJsonSchema } },
  problems: [404],
  handler: async ({ params }) => shown(services.commands, await services.commands.get(params.id)),
});

const cancelCommand = ({ services }: RouteDependencies): RouteSpec<typeof idParams, z.ZodType> => ({
  method: 'POST',
  url: '/commands/:id/cancel',
  role: Role.Operator,
  summary: 'Cancel a command',
  description:
    'Cancels a command, or every unfinished per-agent command of a bulk parent. A command no agent has received is cancelled at once; one on an agent becomes cancel_requested until the agent confirms (or finishes first). 412 when it has already finished.',
  tags: TAGS,
  params: idParams,
  body: cancelBodySchema,
  responses: { 200: { description: 'The command after the request', schema: commandJsonSchema } },
  problems: [404, 412],
  handler: async ({ params, body, context }) => {
    const parsed = validate(cancelBodySchema, body ?? undefined);
    return shown(services.commands, await services.commands.cancel(context, params.id, parsed?.reason));
  },
});

const commandStatsSchema = z.strictObject({
  byStatus: z.record(z.string(), z.number().int()).describe('Per-agent commands by status, fleet-wide'),
  unfinished: z.number().int().describe('Per-agent commands not yet in a terminal status'),
  instance: z
    .strictObject({
      waitingForPlacement: z.number().int().describe('Capability children waiting for the scheduler'),
      waitingForDispatch: z.number().int().describe("Commands waiting in connected agents' lanes"),
      outOnAgents: z.number().int().describe('Commands sent and not finished'),
      delivered: z.number().int().describe('Deliveries since start, redeliveries included'),
      reportsStored: z.number().int().describe('Agent receipts and updates stored since start'),
    })
    .describe('What the instance that answered holds in memory'),
});

export async function commandRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { services } = deps;
  addRoute(app, {
    method: 'GET',
    url: '/commands/stats',
    role: Role.Viewer,
    summary: 'Command statistics',
    tags: TAGS,
    responses: {
      200: { description: 'Counts by status and what this instance holds', schema: commandStatsSchema },
    },
    handler: async () => services.commandStats.read(),
  });
  addRoute(app, {
    method: 'POST',
    url: '/commands',
    role: Role.Operator,
    summary: 'Create a command',
    description:
      'Sends a command to one agent, a list of agents, the agents a label selector matches, the members of a group (static or dynamic, resolved when the command is created; the parent keeps the group target; 400 naming target.groupId for an unknown group, an empty one or one with more than 10,000 members), or `count` agents with a capability that the scheduler chooses (one per-agent command each, under a bulk parent). Emergency commands (priority emergency, or an emergency type such as isolate) need the **admin** role. 201 for a new command; 200 when the Idempotency-Key replays an earlier one; 429 with Retry-After when the placement queue (COMMAND_QUEUE_SIZE) has no room for a capability target.',
    tags: TAGS,
    headers: createHeaders,
    body: createCommandRequestSchema,
    responses: {
      201: { description: 'Created', schema: createdCommandJsonSchema },
      200: {
        description: 'Replayed: the command an earlier request created',
        schema: createdCommandJsonSchema,
      },
    },
    problems: [412],
    handler: async ({ body, context, request, reply }) => {
      const created = await services.commands.create(
        context,
        withHeaderKey(body, request.headers[IDEMPOTENCY_HEADER]),
      );
      const children = created.replayed
        ? await childIds(services.commands, created.command)
        : created.children.map((c) => c.id);
      if (created.replayed) reply.header('idempotent-replayed', 'true');
      return reply
        .code(created.replayed ? 200 : 201)
        .send({ command: await shown(services.commands, created.command), children });
    },
  });
  addRoute(app, {
    method: 'POST',
    url: '/commands/emergency',
    role: Role.Admin,
    summary: 'Emergency shutdown, restart or isolate for the fleet, a selector or a group',
    description:
      'One bulk command at emergency priority: ahead of every queue and through maintenance mode. Scope: the fleet, a label selector, or the members of a group (kind group with its groupId). `confirm` must repeat `action` exactly. Admin only; refusals are audited.',
    tags: TAGS,
    body: emergencyRequestSchema,
    responses: { 201: { description: 'Created', schema: createdCommandJsonSchema } },
    problems: [],
    handler: async ({ body, context, reply }) => {
      const created = await services.commands.emergency(context, body);
      return reply.code(201).send({
        command: await shown(services.commands, created.command),
        children: created.children.map((c) => c.id),
      });
    },
  });
  addRoute(app, listCommands(deps));
  addRoute(app, getCommand(deps));
  addRoute(app, cancelCommand(deps));
  addRoute(app, {
    method: 'GET',
    url: '/agents/:id/commands',
    role: Role.Viewer,
    summary: "List an agent's commands",
    tags: TAGS,
    params: idParams,
    query: agentCommandsQuery,
    responses: { 200: { description: 'A page of commands', schema: pageOf(commandJsonSchema) } },
    problems: [404],
    handler: async ({ params, query }) => {
      await services.agents.get(params.id);
      return listPage(services.commands, { ...query, agentId: params.id });
    },
  });
}

/** The seed's command routes under /api; same handlers and roles as /api/v1. */
export async function seedCommandRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  addRoute(app, {
    ...listCommands(deps),
    deprecated: true,
    summary: 'List commands (seed path; use /api/v1/commands)',
  });
  addRoute(app, {
    ...getCommand(deps),
    deprecated: true,
    summary: 'Get a command (seed path; use /api/v1/commands/{id})',
  });
  addRoute(app, {
    ...cancelCommand(deps),
    method: 'PUT',
    url: '/commands/:id/cancel',
    deprecated: true,
    summary: 'Cancel a command (seed path; use POST /api/v1/commands/{id}/cancel)',
  });
}
