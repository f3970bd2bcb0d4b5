import { describe, expect, it } from 'vitest';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import { MAX_PARAMS_BYTES } from './command.js';
import {
  BUILT_IN_COMMAND_TYPES,
  checkPriority,
  createCommandTypeRegistry,
  EMERGENCY_TYPES,
  MAX_SCHEMA_BYTES,
  parseCustomCommandType,
  registerCustomCommandType,
  validateParams,
} from './command-types.js';

/** The error a call throws, so tests can look at its code and fields. */
function failure(call: () => unknown): CorralError {
  try {
    call();
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('expected a CorralError');
}
const fields = (call: () => unknown) => failure(call).violations.map((v) => v.field);

const registry = createCommandTypeRegistry();

describe('built-in command types', () => {
  it.each(BUILT_IN_COMMAND_TYPES.map((t) => [t.name, t] as const))('%s accepts its example', (name, t) => {
    expect(t.example).not.toBeNull();
    expect(() => validateParams(registry, name, t.example)).not.toThrow();
  });

  it.each(BUILT_IN_COMMAND_TYPES.map((t) => [t.name] as const))(
    '%s refuses unknown params by name',
    (name) => {
      expect(fields(() => validateParams(registry, name, { bogus: 1 }))).toContain('params.bogus');
    },
  );

  it('fills in defaults', () => {
    expect(validateParams(registry, 'scan', {})).toEqual({
      scope: 'quick',
      durationSeconds: 600,
      intensity: 'medium',
    });
    expect(validateParams(registry, 'scan', { paths: ['/tmp'] })).toEqual({
      paths: ['/tmp'],
      durationSeconds: 600,
      intensity: 'medium',
    });
    expect(validateParams(registry, 'restart', undefined)).toEqual({ delaySeconds: 0 });
    expect(validateParams(registry, 'ping', undefined)).toEqual({});
  });

  it('names the bad parameter', () => {
    expect(fields(() => validateParams(registry, 'scan', { durationSeconds: 0 }))).toEqual([
      'params.durationSeconds',
    ]);
    expect(fields(() => validateParams(registry, 'scan', { durationSeconds: 3601 }))).toEqual([
      'params.durationSeconds',
    ]);
    expect(fields(() => validateParams(registry, 'scan', { intensity: 'extreme' }))).toEqual([
      'params.intensity',
    ]);
    expect(fields(() => validateParams(registry, 'scan', { paths: ['/a', ''] }))).toEqual(['params.paths.1']);
    expect(fields(() => validateParams(registry, 'scan', { paths: ['/a'], scope: 'full' }))).toEqual([
      'params.scope',
    ]);
    expect(fields(() => validateParams(registry, 'update', {}))).toEqual(['params.version']);
    expect(
      fields(() => validateParams(registry, 'update', { version: '1.0', url: 'http://x.example/a' })),
    ).toContain('params.url');
    expect(
      fields(() => validateParams(registry, 'update', { version: '1.0', url: 'https://x.example/a' })),
    ).toEqual(['params.sha256']);
    expect(fields(() => validateParams(registry, 'restart', { delaySeconds: 301 }))).toEqual([
      'params.delaySeconds',
    ]);
    expect(fields(() => validateParams(registry, 'restart', { delaySeconds: 1.5 }))).toEqual([
      'params.delaySeconds',
    ]);
    expect(fields(() => validateParams(registry, 'shutdown', { delaySeconds: 5 }))).toEqual([
      'params.reason',
    ]);
    expect(fields(() => validateParams(registry, 'isolate', { reason: '' }))).toEqual(['params.reason']);
    expect(fields(() => validateParams(registry, 'status', 'now'))).toEqual(['params']);
  });

  it('refuses an unknown type naming type', () => {
    const error = failure(() => validateParams(registry, 'reboot', {}));
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.violations.map((v) => v.field)).toEqual(['type']);
    expect(fields(() => validateParams(registry, 'custom:nope', {}))).toEqual(['type']);
  });

  it('refuses oversize params', () => {
    const big = { paths: ['x'.repeat(MAX_PARAMS_BYTES)] };
    expect(fields(() => validateParams(registry, 'scan', big))).toEqual(['params']);
  });

  it('keeps isolate for emergencies', () => {
    expect([...EMERGENCY_TYPES]).toEqual(['isolate']);
    expect(fields(() => checkPriority('isolate', 'high'))).toEqual(['priority']);
    expect(() => checkPriority('isolate', 'emergency')).not.toThrow();
    expect(() => checkPriority('scan', 'low')).not.toThrow();
  });
});

const dumpType = {
  name: 'edr-dump',
  description: 'Dump EDR state',
  schema: {
    type: 'object',
    properties: {
      target: { type: 'string', enum: ['memory', 'disk'] },
      limit: { type: 'integer', minimum: 1, maximum: 10 },
      ratio: { type: 'number', minimum: 0, maximum: 1 },
      label: { type: 'string', minLength: 2, maxLength: 4 },
      verbose: { type: 'boolean' },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
      nested: { type: 'object', properties: { depth: { type: 'integer' } }, additionalProperties: false },
    },
    required: ['target'],
    additionalProperties: false,
  },
  example: { target: 'memory', limit: 3 },
};

describe('custom command types', () => {
  const withDump = registerCustomCommandType(registry, dumpType);

  it('registers under custom:<name> and validates params with every supported keyword', () => {
    expect(withDump.has('custom:edr-dump')).toBe(true);
    const full = {
      target: 'disk',
      limit: 10,
      ratio: 0.5,
      label: 'abc',
      verbose: true,
      tags: ['a', 'b'],
      nested: { depth: 2 },
    };
    expect(validateParams(withDump, 'custom:edr-dump', full)).toEqual(full);
    const bad: [unknown, string][] = [
      [{}, 'params.target'],
      [{ target: 'cloud' }, 'params.target'],
      [{ target: 'disk', limit: 11 }, 'params.limit'],
      [{ target: 'disk', limit: 0 }, 'params.limit'],
      [{ target: 'disk', limit: 1.5 }, 'params.limit'],
      [{ target: 'disk', ratio: 2 }, 'params.ratio'],
      [{ target: 'disk', label: 'a' }, 'params.label'],
      [{ target: 'disk', label: 'abcde' }, 'params.label'],
      [{ target: 'disk', verbose: 'yes' }, 'params.verbose'],
      [{ target: 'disk', tags: ['a', 'b', 'c'] }, 'params.tags'],
      [{ target: 'disk', tags: [1] }, 'params.tags.0'],
      [{ target: 'disk', nested: { depth: 1, extra: 1 } }, 'params.nested.extra'],
      [{ target: 'disk', extra: 1 }, 'params.extra'],
    ];
    for (const [params, field] of bad)
      expect(fields(() => validateParams(withDump, 'custom:edr-dump', params))).toContain(field);
  });

  it('refuses a taken name', () => {
    expect(failure(() => registerCustomCommandType(withDump, dumpType)).code).toBe(ErrorCode.AlreadyExists);
  });

  it('refuses bad registrations, naming the field', () => {
    const cases: [unknown, string][] = [
      [{ ...dumpType, name: 'Edr' }, 'name'],
      [{ ...dumpType, name: '9lives' }, 'name'],
      [{ ...dumpType, name: 'x'.repeat(64) }, 'name'],
      [{ ...dumpType, schema: { type: 'string' } }, 'schema.type'],
      [
        { ...dumpType, schema: { type: 'object', properties: { a: { type: 'null' } } } },
        'schema.properties.a.type',
      ],
      [
        { ...dumpType, schema: { type: 'object', properties: { a: { type: 'string', pattern: 'x' } } } },
        'schema.properties.a.pattern',
      ],
      [{ ...dumpType, schema: { type: 'object', $ref: '#/x' } }, 'schema.$ref'],
      [
        { ...dumpType, schema: { type: 'object', properties: { a: { type: 'string', minimum: 1 } } } },
        'schema.properties.a.minimum',
      ],
      [{ ...dumpType, schema: { type: 'object', required: ['nope'] } }, 'schema.required.0'],
      [
        { ...dumpType, schema: { type: 'object', additionalProperties: true } },
        'schema.additionalProperties',
      ],
      [
        { ...dumpType, schema: { type: 'object', properties: { 'bad-name': { type: 'string' } } } },
        'schema.properties.bad-name',
      ],
      [
        { ...dumpType, schema: { type: 'object', properties: { a: { type: 'integer', enum: [1.5] } } } },
        'schema.properties.a.enum.0',
      ],
      [
        {
          ...dumpType,
          schema: { type: 'object', properties: { a: { type: 'integer', minimum: 3, maximum: 2 } } },
        },
        'schema.properties.a.maximum',
      ],
      [{ ...dumpType, example: { limit: 1 } }, 'example.target'],
      [{ ...dumpType, extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases)
      expect(
        fields(() => parseCustomCommandType(body)),
        field,
      ).toContain(field);
    const proto = JSON.parse(
      '{"name":"p","schema":{"type":"object","properties":{"__proto__":{"type":"string"}}}}',
    );
    expect(fields(() => parseCustomCommandType(proto))).toContain('schema.properties.__proto__');
  });

  it('refuses schemas nested too deep or too large', () => {
    let deep: object = { type: 'string' };
    for (let i = 0; i < 9; i++) deep = { type: 'object', properties: { a: deep } };
    expect(fields(() => parseCustomCommandType({ name: 'deep', schema: deep }))).toEqual(['schema']);
    const huge = { name: 'huge', schema: { type: 'object', description: 'x'.repeat(MAX_SCHEMA_BYTES) } };
    expect(fields(() => parseCustomCommandType(huge))).toEqual(['schema']);
    const bigExample = {
      name: 'big',
      schema: { type: 'object' },
      example: { x: 'x'.repeat(MAX_PARAMS_BYTES) },
    };
    expect(fields(() => parseCustomCommandType(bigExample))).toEqual(['(root)']);
  });

  it('rebuilds the same validation from a stored registration', () => {
    const rebuilt = createCommandTypeRegistry([parseCustomCommandType(dumpType)]);
    expect(validateParams(rebuilt, 'custom:edr-dump', { target: 'memory' })).toEqual({ target: 'memory' });
    expect(fields(() => validateParams(rebuilt, 'custom:edr-dump', { target: 1 }))).toEqual([
      'params.target',
    ]);
  });
});

describe('params with prototype keys', () => {
  it('are refused, not silently dropped', () => {
    const params = JSON.parse('{"reason":"x","__proto__":{"polluted":true}}');
    expect(fields(() => validateParams(registry, 'isolate', params))).toEqual(['params.__proto__']);
  });
});
