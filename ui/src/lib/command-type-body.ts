// The body of PUT /api/v1/command-types/{name} from the edit form: the
// description, the parameter schema and an optional example, both JSON objects
// (the server checks the schema against the subset it accepts and the example
// against the schema).
import { jsonObject } from './json-object';

export interface CommandTypeReplacement {
  readonly description: string;
  readonly schema: Record<string, unknown>;
  readonly example?: Record<string, unknown>;
}

export function commandTypeReplacement(
  description: string,
  schemaText: string,
  exampleText: string,
): { body: CommandTypeReplacement } | { error: string } {
  const schema = jsonObject(schemaText, 'schema');
  if ('error' in schema) return schema;
  if (exampleText.trim() === '') return { body: { description: description.trim(), schema: schema.value } };
  const example = jsonObject(exampleText, 'example');
  if ('error' in example) return example;
  return { body: { description: description.trim(), schema: schema.value, example: example.value } };
}
