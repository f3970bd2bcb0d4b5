import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../api/types';
import { buildParams, fieldsOf, labelOf } from './schema-form';

const scan: JsonSchema = {
  type: 'object',
  properties: {
    paths: { type: 'array', items: { type: 'string' }, maxItems: 100 },
    scope: { type: 'string', enum: ['quick', 'full', 'memory'] },
    durationSeconds: { type: 'integer', default: 600, minimum: 1, maximum: 3600 },
    ratio: { type: 'number' },
    dryRun: { type: 'boolean' },
    extra: { type: 'object', description: 'anything else' },
    reason: { type: 'string', minLength: 1 },
  },
  required: ['reason'],
};

describe('schema form', () => {
  it('makes one typed field per property, with defaults, bounds and options', () => {
    const fields = fieldsOf(scan);
    expect(fields.map((f) => [f.name, f.kind, f.required, f.initial])).toEqual([
      ['paths', 'list', false, ''],
      ['scope', 'enum', false, ''],
      ['durationSeconds', 'integer', false, '600'],
      ['ratio', 'number', false, ''],
      ['dryRun', 'boolean', false, 'false'],
      ['extra', 'json', false, ''],
      ['reason', 'string', true, ''],
    ]);
    expect(fields[1]?.options).toEqual(['quick', 'full', 'memory']);
    expect(fields[2]).toMatchObject({ label: 'Duration seconds', min: 1, max: 3600 });
    expect(fieldsOf({ type: 'object', properties: {} })).toEqual([]);
  });

  it('builds params from what was typed, leaving empty optional fields out', () => {
    const fields = fieldsOf(scan);
    expect(
      buildParams(fields, {
        paths: '/etc\n/var, /tmp',
        scope: 'full',
        dryRun: 'true',
        extra: '{"a":1}',
        reason: ' why ',
      }),
    ).toEqual({
      params: {
        paths: ['/etc', '/var', '/tmp'],
        scope: 'full',
        durationSeconds: 600,
        dryRun: true,
        extra: { a: 1 },
        reason: 'why',
      },
      errors: {},
    });
  });

  it('names fields it cannot turn into values', () => {
    const { errors } = buildParams(fieldsOf(scan), {
      durationSeconds: '1.5',
      ratio: 'lots',
      extra: '{',
      reason: '',
    });
    expect(errors).toEqual({
      durationSeconds: 'must be a whole number',
      ratio: 'must be a number',
      extra: 'must be JSON',
      reason: 'is required',
    });
  });

  it('labels camelCase and snake_case names', () => {
    expect(labelOf('delaySeconds')).toBe('Delay seconds');
    expect(labelOf('max_batch_size')).toBe('Max batch size');
  });
});
