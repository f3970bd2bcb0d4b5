// A type registered through the admin API is what POST /api/v1/commands checks
// params against: at once after registering, after a replace, and no longer
// after a delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createdCommandJsonSchema } from './command-routes.js';
import { openCommandTypeTestApi, type CommandTypeTestApi } from './command-type-test-api.js';

let api: CommandTypeTestApi;

beforeAll(async () => {
  api = await openCommandTypeTestApi();
  await api.enrollAgent('agent-a');
});
afterAll(() => api.close());

const send = (params: unknown) =>
  api.call('POST', '/api/v1/commands', {
    key: api.keys.operator,
    body: { type: 'custom:edr-dump', params, target: { kind: 'agent', agentId: 'agent-a' } },
  });
const fieldsOf = (response: { json(): unknown }) =>
  (response.json() as { errors?: { field: string }[] }).errors?.map((e) => e.field) ?? [];

describe('commands of a registered type', () => {
  it('are refused before the type exists, then checked against its schema', async () => {
    const before = await send({ target: 'memory' });
    expect(before.statusCode).toBe(400);
    expect(fieldsOf(before)).toEqual(['type']);

    const registered = await api.call('POST', '/api/v1/command-types', {
      key: api.keys.operator,
      body: {
        name: 'custom:edr-dump',
        description: 'Dump EDR state',
        schema: {
          type: 'object',
          properties: {
            target: { type: 'string', enum: ['memory', 'disk'] },
            maxMegabytes: { type: 'integer', minimum: 1, maximum: 4096 },
          },
          required: ['target'],
          additionalProperties: false,
        },
      },
    });
    expect(registered.statusCode, registered.body).toBe(201);

    const accepted = await send({ target: 'disk', maxMegabytes: 512 });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(createdCommandJsonSchema.parse(accepted.json()).command).toMatchObject({
      type: 'custom:edr-dump',
      params: { target: 'disk', maxMegabytes: 512 },
      status: 'queued',
    });

    for (const [params, field] of [
      [{ target: 'tape' }, 'params.target'],
      [{ target: 'disk', maxMegabytes: 0 }, 'params.maxMegabytes'],
      [{ target: 'disk', colour: 'red' }, 'params.colour'],
      [{}, 'params.target'],
    ] as const) {
      const refused = await send(params);
      expect(refused.statusCode, JSON.stringify(params)).toBe(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(fieldsOf(refused), JSON.stringify(params)).toContain(field);
    }
  });

  it('follow a replaced schema, and are refused once the type is deleted', async () => {
    const replaced = await api.call('PUT', '/api/v1/command-types/custom:edr-dump', {
      key: api.keys.operator,
      headers: { 'if-match': '"1"' },
      body: {
        schema: { type: 'object', properties: { level: { type: 'integer' } }, additionalProperties: false },
      },
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(fieldsOf(await send({ target: 'disk' }))).toEqual(['params.target']);
    expect((await send({ level: 2 })).statusCode).toBe(201);

    const deleted = await api.call('DELETE', '/api/v1/command-types/custom:edr-dump?force=true', {
      key: api.keys.operator,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const after = await send({ level: 2 });
    expect(after.statusCode).toBe(400);
    expect(fieldsOf(after)).toEqual(['type']);
  });
});
