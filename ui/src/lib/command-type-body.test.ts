import { describe, expect, it } from 'vitest';
import { commandTypeReplacement } from './command-type-body';

describe('command type replacement body', () => {
  const schema = '{ "type": "object", "properties": { "target": { "type": "string" } } }';

  it('carries the trimmed description, the schema, and the example only when one is given', () => {
    expect(commandTypeReplacement(' Probe a host ', schema, '  ')).toEqual({
      body: {
        description: 'Probe a host',
        schema: { type: 'object', properties: { target: { type: 'string' } } },
      },
    });
    expect(commandTypeReplacement('', schema, '{ "target": "db-1" }')).toMatchObject({
      body: { example: { target: 'db-1' } },
    });
  });

  it('names which part is not a JSON object', () => {
    expect(commandTypeReplacement('', '{ type: object }', '')).toMatchObject({
      error: expect.stringContaining('The schema is not JSON') as unknown,
    });
    expect(commandTypeReplacement('', '[]', '')).toEqual({ error: 'The schema must be a JSON object.' });
    expect(commandTypeReplacement('', schema, '"db-1"')).toEqual({
      error: 'The example must be a JSON object.',
    });
  });
});
