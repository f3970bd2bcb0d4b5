// A command type as the admin API shows it. Built-in types carry the JSON Schema
// of their parameters derived from their zod schema (informational: it may use
// keywords custom types cannot); registered types carry the document they were
// registered with, a revision (the ETag) and who changed them when. The request
// bodies are here too, for the OpenAPI document (the service validates them).
import { z } from 'zod';
import { jsonSchemaOf } from '../../transports/http/route-kit.js';
import { isoTime, isoTimeOrNullSchema } from '../../transports/http/json-values.js';
import { COMMAND_TYPE_PATTERN } from './command.js';
import type { CommandTypeView } from './command-type-service.js';
import type { CommandTypeDefinition } from './command-types.js';

const jsonObject = z.record(z.string(), z.unknown());

export const commandTypeJsonSchema = z.strictObject({
  name: z.string().describe('A built-in name such as scan, or custom:<name>'),
  builtIn: z.boolean().describe('Built-in types cannot be changed or deleted'),
  description: z.string(),
  schema: jsonObject.describe('JSON Schema of the parameters (input side: defaults are filled in)'),
  example: jsonObject.nullable().describe('Valid parameters, or null when none was given'),
  emergency: z.boolean().describe('Only sent with priority emergency, by admins'),
  revision: z.number().int().nullable().describe('Registered types: the ETag; null for built-ins'),
  createdAt: isoTimeOrNullSchema,
  createdBy: z.string().nullable(),
  updatedAt: isoTimeOrNullSchema,
  updatedBy: z.string().nullable(),
});
export type CommandTypeJson = z.output<typeof commandTypeJsonSchema>;

export const commandTypeListJsonSchema = z.strictObject({
  items: z.array(commandTypeJsonSchema).describe('Built-in types first, then registered ones by name'),
});

const paramSchemaDocument = jsonObject.describe(
  'JSON Schema subset: type (object at the root), title, description; properties, required, additionalProperties: false on objects; items, maxItems on arrays; enum, minLength, maxLength on strings; enum, minimum, maximum on numbers. Other keywords are refused by name. At most 64 KiB and 8 levels',
);
const replaceShape = {
  description: z.string().max(512).optional().describe('Default ""'),
  schema: paramSchemaDocument,
  example: jsonObject.optional().describe('Valid parameters, checked against the schema'),
};

export const registerCommandTypeBodySchema = z.strictObject({
  name: z
    .string()
    .regex(COMMAND_TYPE_PATTERN)
    .describe('custom:<name>, the name 1-63 characters of [a-z0-9_-] starting with a letter'),
  ...replaceShape,
});

export const replaceCommandTypeBodySchema = z.strictObject({
  name: z.string().optional().describe('May repeat the name in the path; a type cannot be renamed'),
  ...replaceShape,
});

const builtInSchemas = new Map<string, Record<string, unknown>>();

/** The input JSON Schema of a built-in type's params, computed once. */
function builtInSchema(definition: CommandTypeDefinition): Record<string, unknown> {
  let schema = builtInSchemas.get(definition.name);
  if (schema === undefined) {
    schema = jsonSchemaOf(definition.params, 'input');
    builtInSchemas.set(definition.name, schema);
  }
  return schema;
}

export function commandTypeJson(view: CommandTypeView): CommandTypeJson {
  if (view.kind === 'built_in') {
    const { definition } = view;
    return {
      name: definition.name,
      builtIn: true,
      description: definition.description,
      schema: builtInSchema(definition),
      example: definition.example,
      emergency: definition.emergency,
      revision: null,
      createdAt: null,
      createdBy: null,
      updatedAt: null,
      updatedBy: null,
    };
  }
  const { stored } = view;
  return {
    name: stored.name,
    builtIn: false,
    description: stored.description,
    schema: { ...stored.schema },
    example: stored.example,
    emergency: false,
    revision: stored.revision,
    createdAt: isoTime(stored.createdAt),
    createdBy: stored.createdBy,
    updatedAt: isoTime(stored.updatedAt),
    updatedBy: stored.updatedBy,
  };
}
