// An operator's register or replace body as a checked custom type, and a stored
// type back as the body it was registered with (so load() checks it again).
// Names are the full `custom:<name>`; a built-in name is refused, naming `name`.
import { invalidArgument } from '../../shared/errors.js';
import type { StoredCommandType } from './command-type-store.js';
import {
  BUILT_IN_COMMAND_TYPES,
  CUSTOM_NAME_PATTERN,
  CUSTOM_TYPE_PREFIX,
  parseCustomCommandType,
  type CommandTypeDefinition,
  type CustomCommandType,
} from './command-types.js';

const BUILT_IN_BY_NAME: ReadonlyMap<string, CommandTypeDefinition> = new Map(
  BUILT_IN_COMMAND_TYPES.map((t) => [t.name, t]),
);

export const builtInCommandType = (name: string): CommandTypeDefinition | undefined =>
  BUILT_IN_BY_NAME.get(name);

const refuse = (description: string) => invalidArgument('invalid input', [{ field: 'name', description }]);

/** `custom:foo` → `foo`; anything else is invalid_argument naming `name`. */
export function customTypeName(name: unknown): string {
  if (name === undefined) throw refuse('is required');
  if (typeof name !== 'string') throw refuse('must be a string');
  if (BUILT_IN_BY_NAME.has(name))
    throw refuse('is a built-in command type, which cannot be changed; register custom:<name> types');
  const short = name.startsWith(CUSTOM_TYPE_PREFIX) ? name.slice(CUSTOM_TYPE_PREFIX.length) : undefined;
  if (short === undefined || !CUSTOM_NAME_PATTERN.test(short))
    throw refuse('must be custom:<name>, the name 1-63 characters of [a-z0-9_-] starting with a letter');
  return short;
}

/**
 * Checks a register body (`name` inside) or a replace body (`name` from the
 * path; the body may repeat it but not rename the type).
 */
export function parseRegistration(
  body: unknown,
  pathName?: string,
): { readonly name: string; readonly custom: CustomCommandType } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalidArgument('invalid input', [{ field: '(root)', description: 'must be a JSON object' }]);
  const given = (body as { name?: unknown }).name;
  if (pathName !== undefined) {
    customTypeName(pathName);
    if (given !== undefined && given !== pathName)
      throw refuse('must be the name in the path: a type cannot be renamed');
  }
  const short = customTypeName(pathName ?? given);
  return { name: CUSTOM_TYPE_PREFIX + short, custom: parseCustomCommandType({ ...body, name: short }) };
}

/** The body a stored type was registered with (the short name, as parseCustomCommandType expects). */
export function registrationOf(stored: StoredCommandType): Record<string, unknown> {
  return {
    name: stored.name.slice(CUSTOM_TYPE_PREFIX.length),
    description: stored.description,
    schema: stored.schema,
    ...(stored.example === null ? {} : { example: stored.example }),
  };
}
