// `corral commands types ls|get|register|update|rm`: command types through the
// admin API. Schemas and examples are read from JSON files. `update` reads the
// type first and keeps what no flag replaces; its PUT carries If-Match (the
// revision read, or --revision), so a concurrent change makes it fail (exit 1)
// instead of being overwritten.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { UsageError } from '../usage-error.js';
import { positiveInt } from './agents-command.js';

type Flags = AdminFlags & { output: OutputFormat };
interface CommandTypeJson extends Record<string, unknown> {
  name: string;
  description: string;
  schema: Record<string, unknown>;
  example: Record<string, unknown> | null;
  revision: number | null;
}
interface DefinitionFlags {
  readonly schemaFile?: string;
  readonly exampleFile?: string;
  readonly description?: string;
}

const COLUMNS = ['name', 'builtIn', 'revision', 'emergency', 'description'];
const DETAIL_COLUMNS = [...COLUMNS, 'updatedAt', 'updatedBy'];
const path = (name: string) => `/command-types/${encodeURIComponent(name)}`;

/** A JSON object read from a file; anything else is a UsageError naming the flag. */
export function readJsonObjectFile(flag: string, file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new UsageError(`${flag}: ${file} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** The register or replace body: flags given win over `current` (the stored type, for update). */
export function definitionBody(
  flags: DefinitionFlags,
  current?: Pick<CommandTypeJson, 'description' | 'schema' | 'example'>,
): Record<string, unknown> {
  const schema =
    flags.schemaFile !== undefined ? readJsonObjectFile('--schema-file', flags.schemaFile) : current?.schema;
  if (schema === undefined) throw new UsageError('--schema-file is required');
  const example =
    flags.exampleFile !== undefined
      ? readJsonObjectFile('--example-file', flags.exampleFile)
      : (current?.example ?? undefined);
  const description = flags.description ?? current?.description;
  return {
    ...(description === undefined ? {} : { description }),
    schema,
    ...(example === undefined ? {} : { example }),
  };
}

const definitionOptions = (command: Command, schemaRequired: boolean) =>
  command
    .addOption(outputOption())
    .option(`--schema-file <file>`, `JSON Schema of the params${schemaRequired ? '' : ' (default: keep)'}`)
    .option('--description <text>', `what the type does${schemaRequired ? '' : ' (default: keep)'}`)
    .option('--example-file <file>', `valid params as JSON${schemaRequired ? '' : ' (default: keep)'}`);

export function commandTypesCommand(): Command {
  const types = new Command('types').description(
    'list built-in command types; register, update and delete custom:<name> types',
  );

  withAdminOptions(types.command('ls').description('list command types, built-ins first'))
    .addOption(outputOption())
    .action(async (flags: Flags) => {
      const list = await adminClient(flags).get<{ items: CommandTypeJson[] }>('/command-types');
      printRecords(flags.output, list, list.items, COLUMNS);
    });

  withAdminOptions(
    types.command('get').description('show one command type (-o json for its schema)').argument('<name>'),
  )
    .addOption(outputOption())
    .action(async (name: string, flags: Flags) => {
      const type = await adminClient(flags).get<CommandTypeJson>(path(name));
      printRecords(flags.output, type, [type], DETAIL_COLUMNS);
    });

  definitionOptions(
    withAdminOptions(types.command('register').description('register a custom:<name> command type')),
    true,
  )
    .requiredOption('--name <name>', 'custom:<name>')
    .option('--idempotency-key <key>', 'retrying with the same key returns the first registration')
    .action(async (flags: Flags & DefinitionFlags & { name: string; idempotencyKey?: string }) => {
      const body = { name: flags.name, ...definitionBody(flags) };
      const headers: Record<string, string> =
        flags.idempotencyKey === undefined ? {} : { 'idempotency-key': flags.idempotencyKey };
      const created = await adminClient(flags).post<CommandTypeJson>('/command-types', body, headers);
      printRecords(flags.output, created, [created], DETAIL_COLUMNS);
    });

  definitionOptions(
    withAdminOptions(
      types
        .command('update')
        .description('replace the schema, description or example of a custom type')
        .argument('<name>'),
    ),
    false,
  )
    .addOption(
      new Option(
        '--revision <n>',
        'only if the type is still at this revision (default: the one read)',
      ).argParser(positiveInt('--revision')),
    )
    .action(async (name: string, flags: Flags & DefinitionFlags & { revision?: number }) => {
      if (
        flags.schemaFile === undefined &&
        flags.description === undefined &&
        flags.exampleFile === undefined
      )
        throw new UsageError('give at least one of --schema-file, --description, --example-file');
      const client = adminClient(flags);
      const current = await client.get<CommandTypeJson>(path(name));
      const body = definitionBody(flags, current);
      const revision = flags.revision ?? current.revision;
      const headers = { 'if-match': revision === null ? '*' : `"${revision}"` };
      const updated = await client.put<CommandTypeJson>(path(name), body, headers);
      printRecords(flags.output, updated, [updated], DETAIL_COLUMNS);
    });

  withAdminOptions(types.command('rm').description('delete a custom command type').argument('<name>'))
    .addOption(outputOption())
    .option('--force', 'delete even while unfinished commands use it')
    .addOption(
      new Option('--revision <n>', 'only if the type is still at this revision').argParser(
        positiveInt('--revision'),
      ),
    )
    .action(async (name: string, flags: Flags & { force?: boolean; revision?: number }) => {
      const headers: Record<string, string> =
        flags.revision === undefined ? {} : { 'if-match': `"${flags.revision}"` };
      await adminClient(flags).delete(`${path(name)}${flags.force ? '?force=true' : ''}`, headers);
      const deleted = { name, deleted: true };
      printRecords(flags.output, deleted, [deleted], ['name', 'deleted']);
    });

  return types;
}
