// The command types Corral knows, each with the zod schema (and defaults) of its parameters, and the
// operator-registered `custom:<name>` types described by a small JSON Schema subset. `validateParams` is
// the one gate parameters pass through before a command is stored.
//
// Supported JSON Schema subset for custom types (anything else is refused, naming the keyword):
//   type: object | string | number | integer | boolean | array  (required on every node; the root is object)
//   title, description                      on any node
//   properties, required, additionalProperties: false   on object
//   items, maxItems                         on array
//   enum, minLength, maxLength              on string
//   enum, minimum, maximum                  on number / integer
// Property names are 1-64 characters of [A-Za-z0-9_] starting with a letter (so no `__proto__` tricks),
// nesting is at most MAX_SCHEMA_DEPTH, the schema at most MAX_SCHEMA_BYTES and the whole registration at
// most MAX_PARAMS_BYTES. The checked document is
// converted by zod's own `z.fromJSONSchema` (semi-experimental in zod 4, so command-types.test.ts pins
// every keyword we rely on).
import { z } from 'zod';
import { alreadyExists, invalidArgument, type FieldViolation } from '../../shared/errors.js';
import { validate } from '../agents/agent.js';
import type { CommandPriority } from './command-priority.js';
import { MAX_PARAMS_BYTES, refuseUnsafeJson, type JsonObject } from './command.js';

export interface CommandTypeDefinition {
  /** `scan`, or `custom:<name>` for operator-registered types. */
  readonly name: string;
  readonly description: string;
  /** Validates and fills in defaults; its output is the params stored and sent. */
  readonly params: z.ZodType;
  /** A valid params object, for documentation and tests; null when a custom type gave none. */
  readonly example: JsonObject | null;
  /** Only with priority `emergency` (and, at the API, the admin role). */
  readonly emergency: boolean;
}

export type CommandTypeRegistry = ReadonlyMap<string, CommandTypeDefinition>;

const none = z.object({}).strict();
const reason = z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters');
const delaySeconds = z
  .number()
  .int('must be a whole number of seconds')
  .min(0, 'must be at least 0')
  .max(300, 'must be at most 300')
  .default(0);

const scanParams = z
  .object({
    paths: z
      .array(z.string().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters'))
      .min(1, 'at least one path')
      .max(100, 'at most 100 paths')
      .optional(),
    scope: z.enum(['quick', 'full', 'memory']).optional(),
    durationSeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(1, 'must be at least 1')
      .max(3600, 'must be at most 3600')
      .default(600),
    intensity: z.enum(['low', 'medium', 'high']).default('medium'),
  })
  .strict()
  .superRefine((scan, ctx) => {
    if (scan.paths !== undefined && scan.scope !== undefined)
      ctx.addIssue({ code: 'custom', path: ['scope'], message: 'give paths or scope, not both' });
  })
  .transform((scan) => (scan.paths === undefined ? { ...scan, scope: scan.scope ?? 'quick' } : scan));

const updateParams = z
  .object({
    version: z
      .string()
      .regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/, 'must be a version such as 2.4.1 (1-64 characters)'),
    url: z
      .url({ protocol: /^https$/, error: 'must be an https URL' })
      .max(2048)
      .optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')
      .optional(),
  })
  .strict()
  .superRefine((update, ctx) => {
    // A package fetched from an operator-given URL is only installed if it matches a digest.
    if (update.url !== undefined && update.sha256 === undefined)
      ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'is required with url' });
  });

const builtIn = (
  name: string,
  description: string,
  params: z.ZodType,
  example: JsonObject,
  emergency = false,
): CommandTypeDefinition => ({ name, description, params, example, emergency });

export const BUILT_IN_COMMAND_TYPES: readonly CommandTypeDefinition[] = [
  builtIn('status', 'Report the agent status now', none, {}),
  builtIn('ping', 'Answer at once; checks the command path end to end', none, {}),
  builtIn('scan', 'Scan paths or a predefined scope', scanParams, {
    scope: 'full',
    durationSeconds: 900,
    intensity: 'low',
  }),
  builtIn('update', 'Update the agent to a version', updateParams, {
    version: '2.4.1',
    url: 'https://downloads.example.com/agent-2.4.1.tar.gz',
    sha256: 'a'.repeat(64),
  }),
  builtIn('restart', 'Restart the agent after a delay', z.object({ delaySeconds }).strict(), {
    delaySeconds: 30,
  }),
  builtIn('shutdown', 'Stop the agent after a delay', z.object({ delaySeconds, reason }).strict(), {
    delaySeconds: 0,
    reason: 'host retired',
  }),
  builtIn('config_reload', 'Reload the agent configuration', none, {}),
  builtIn('policy_sync', 'Fetch and apply the current policy', none, {}),
  builtIn(
    'isolate',
    'Cut the host off the network except for Corral',
    z.object({ reason }).strict(),
    {
      reason: 'ransomware suspected',
    },
    true,
  ),
];

export const EMERGENCY_TYPES: ReadonlySet<string> = new Set(
  BUILT_IN_COMMAND_TYPES.filter((t) => t.emergency).map((t) => t.name),
);

/** Emergency types must be sent with priority `emergency`; the API also asks for the admin role. */
export function checkPriority(type: string, priority: CommandPriority): void {
  if (EMERGENCY_TYPES.has(type) && priority !== 'emergency')
    throw invalidArgument('invalid input', [
      { field: 'priority', description: `${type} needs priority emergency` },
    ]);
}

/** Validates params for a type: the params themselves, or invalid_argument naming `type` / `params.<path>`. */
export function validateParams(registry: CommandTypeRegistry, type: string, params: unknown): JsonObject {
  const definition = registry.get(type);
  if (definition === undefined)
    throw invalidArgument('invalid input', [{ field: 'type', description: 'is not a known command type' }]);
  refuseUnsafeJson(params, 'params');
  const size = Buffer.byteLength(JSON.stringify(params ?? {}) ?? '', 'utf8');
  if (size > MAX_PARAMS_BYTES)
    throw invalidArgument('invalid input', [
      { field: 'params', description: `must be at most ${MAX_PARAMS_BYTES} bytes of JSON` },
    ]);
  // Every schema here (built-in or converted from JSON Schema) outputs a JSON object.
  return validate(definition.params, params ?? {}, 'params') as JsonObject;
}

export const CUSTOM_TYPE_PREFIX = 'custom:';
export const CUSTOM_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
export const MAX_SCHEMA_DEPTH = 8;
/** Largest `schema` document (serialised JSON) a custom type may have. */
export const MAX_SCHEMA_BYTES = 64 * 1024;
const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** One node of the supported JSON Schema subset (see the header). */
export interface ParamSchemaNode {
  readonly type: 'object' | 'string' | 'number' | 'integer' | 'boolean' | 'array';
  readonly title?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, ParamSchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: false;
  readonly items?: ParamSchemaNode;
  readonly maxItems?: number;
  readonly enum?: readonly (string | number)[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
}

const KEYWORDS_BY_TYPE: Readonly<Record<ParamSchemaNode['type'], readonly (keyof ParamSchemaNode)[]>> = {
  object: ['properties', 'required', 'additionalProperties'],
  array: ['items', 'maxItems'],
  string: ['enum', 'minLength', 'maxLength'],
  number: ['enum', 'minimum', 'maximum'],
  integer: ['enum', 'minimum', 'maximum'],
  boolean: [],
};
const TYPED_KEYWORDS = new Set(Object.values(KEYWORDS_BY_TYPE).flat());
const count = z.number().int('must be a whole number').min(0, 'must be at least 0');

const nodeSchema: z.ZodType<ParamSchemaNode> = z.lazy(() =>
  z
    .object({
      type: z.enum(['object', 'string', 'number', 'integer', 'boolean', 'array']),
      title: z.string().max(256).optional(),
      description: z.string().max(2048).optional(),
      properties: z
        .record(
          z
            .string()
            .regex(
              PROPERTY_NAME,
              'property names are 1-64 characters of [A-Za-z0-9_], starting with a letter',
            ),
          nodeSchema,
        )
        .optional(),
      required: z.array(z.string()).optional(),
      additionalProperties: z.literal(false, { error: 'only false is supported' }).optional(),
      items: nodeSchema.optional(),
      maxItems: count.optional(),
      enum: z
        .array(z.union([z.string(), z.number()]))
        .min(1, 'at least one value')
        .optional(),
      minLength: count.optional(),
      maxLength: count.optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
    })
    .strict()
    .superRefine((node, ctx) => {
      const allowed = new Set<string>(KEYWORDS_BY_TYPE[node.type]);
      for (const key of Object.keys(node))
        if (TYPED_KEYWORDS.has(key as keyof ParamSchemaNode) && !allowed.has(key))
          ctx.addIssue({ code: 'custom', path: [key], message: `is not supported with type ${node.type}` });
      for (const [i, name] of (node.required ?? []).entries())
        if (node.properties?.[name] === undefined)
          ctx.addIssue({ code: 'custom', path: ['required', i], message: 'is not among the properties' });
      const wanted = node.type === 'string' ? 'string' : 'number';
      for (const [i, value] of (node.enum ?? []).entries())
        if (typeof value !== wanted || (node.type === 'integer' && !Number.isInteger(value)))
          ctx.addIssue({ code: 'custom', path: ['enum', i], message: `must be of type ${node.type}` });
      if (node.minimum !== undefined && node.maximum !== undefined && node.minimum > node.maximum)
        ctx.addIssue({ code: 'custom', path: ['maximum'], message: 'must not be below minimum' });
      if (node.minLength !== undefined && node.maxLength !== undefined && node.minLength > node.maxLength)
        ctx.addIssue({ code: 'custom', path: ['maxLength'], message: 'must not be below minLength' });
    }),
);

function depth(node: ParamSchemaNode): number {
  const children = [...Object.values(node.properties ?? {}), ...(node.items ? [node.items] : [])];
  return 1 + Math.max(0, ...children.map(depth));
}

export const customTypeRegistrationSchema = z
  .object({
    name: z
      .string()
      .regex(CUSTOM_NAME_PATTERN, 'must be 1-63 characters of [a-z0-9_-], starting with a letter'),
    description: z.string().max(512, 'must be at most 512 characters').default(''),
    schema: nodeSchema.refine((root) => root.type === 'object', {
      message: 'must be an object schema',
      path: ['type'],
    }),
    example: z.record(z.string(), z.json()).optional(),
  })
  .strict();

export interface CustomCommandType {
  /** Without the prefix: `edr-dump` registers `custom:edr-dump`. */
  readonly name: string;
  readonly description: string;
  readonly schema: ParamSchemaNode;
  readonly example?: JsonObject;
}

/** Checks an operator's registration body; the result is what a store keeps. */
export function parseCustomCommandType(body: unknown): CustomCommandType {
  refuseUnsafeJson(body);
  const schema = (body as { schema?: unknown } | null)?.schema;
  if (Buffer.byteLength(JSON.stringify(schema) ?? '', 'utf8') > MAX_SCHEMA_BYTES)
    throw invalidArgument('invalid input', [
      { field: 'schema', description: `must be at most ${MAX_SCHEMA_BYTES} bytes of JSON` },
    ]);
  if (Buffer.byteLength(JSON.stringify(body) ?? '', 'utf8') > MAX_PARAMS_BYTES)
    throw invalidArgument('invalid input', [
      { field: '(root)', description: `must be at most ${MAX_PARAMS_BYTES} bytes of JSON` },
    ]);
  const parsed = validate(customTypeRegistrationSchema, body);
  if (depth(parsed.schema) > MAX_SCHEMA_DEPTH)
    throw invalidArgument('invalid input', [
      { field: 'schema', description: `must nest at most ${MAX_SCHEMA_DEPTH} levels` },
    ]);
  const custom: CustomCommandType = {
    name: parsed.name,
    description: parsed.description,
    schema: parsed.schema,
    ...(parsed.example === undefined ? {} : { example: parsed.example as JsonObject }),
  };
  const definition = customTypeDefinition(custom);
  if (custom.example !== undefined) {
    const result = definition.params.safeParse(custom.example);
    if (!result.success) {
      const violations: FieldViolation[] = result.error.issues.map((issue) => ({
        field: ['example', ...issue.path.map(String)].join('.'),
        description: issue.message,
      }));
      throw invalidArgument('invalid input', violations);
    }
  }
  return custom;
}

/** The registry entry for a checked custom type. */
export function customTypeDefinition(custom: CustomCommandType): CommandTypeDefinition {
  return {
    name: CUSTOM_TYPE_PREFIX + custom.name,
    description: custom.description,
    params: z.fromJSONSchema(custom.schema as z.core.JSONSchema.JSONSchema),
    example: custom.example ?? null,
    emergency: false,
  };
}

export function createCommandTypeRegistry(custom: readonly CustomCommandType[] = []): CommandTypeRegistry {
  const registry = new Map<string, CommandTypeDefinition>();
  for (const definition of [...BUILT_IN_COMMAND_TYPES, ...custom.map(customTypeDefinition)])
    registry.set(definition.name, definition);
  return registry;
}

/** A new registry with one more custom type; already_exists if the name is taken. */
export function registerCustomCommandType(registry: CommandTypeRegistry, body: unknown): CommandTypeRegistry {
  const custom = parseCustomCommandType(body);
  const definition = customTypeDefinition(custom);
  if (registry.has(definition.name)) throw alreadyExists(`command type ${definition.name} already exists`);
  return new Map([...registry, [definition.name, definition]]);
}
