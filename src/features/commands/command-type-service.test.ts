import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import { TimeOrderedIds } from '../../shared/ids.js';
import type { RequestContext } from '../audit/audited.js';
import { EventFactory } from '../events/event-factory.js';
import type { CommandService } from './command-service.js';
import { CommandTypeService, MAX_CUSTOM_COMMAND_TYPES } from './command-type-service.js';
import { MAX_SCHEMA_BYTES, validateParams } from './command-types.js';

let t: TestServices;
let clock: FakeClock;
let types: CommandTypeService;
let commands: CommandService;

const operator: RequestContext = {
  principal: { actor: 'api_key:op', name: 'op', role: 'operator' },
  requestId: 'r1',
};

const newService = () =>
  new CommandTypeService(
    t.backends.db,
    t.services.auditor,
    new EventFactory(new TimeOrderedIds(clock), clock),
    clock,
  );

beforeEach(async () => {
  clock = new FakeClock();
  t = await openTestServices({ clock });
  types = t.services.commandTypes;
  await types.load();
  commands = t.services.commands;
  await enrollTestAgent(t, 'a1');
});
afterEach(() => t.close());

const dump = (overrides: Record<string, unknown> = {}) => ({
  name: 'custom:edr-dump',
  description: 'Dump EDR state',
  schema: {
    type: 'object',
    properties: {
      target: { type: 'string', enum: ['memory', 'disk'] },
      depth: { type: 'integer', minimum: 1 },
    },
    required: ['target'],
    additionalProperties: false,
  },
  example: { target: 'memory' },
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<CorralError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('expected a CorralError');
}
const fieldsOf = async (promise: Promise<unknown>) => (await failure(promise)).violations.map((v) => v.field);
const auditOf = async (action: string) =>
  (await t.services.audit.list({ action }, { limit: 50 })).items.map((a) => [a.outcome, a.errorCode]);
const eventsOf = async (type: string) =>
  (await t.services.events.list({ types: [type as 'command_type_registered'] }, { limit: 10, order: 'asc' }))
    .items;

describe('CommandTypeService.register', () => {
  it('stores the type at revision 1 with an event and an audit entry, and the registry knows it', async () => {
    const stored = await types.register(operator, dump());
    expect(stored).toMatchObject({ name: 'custom:edr-dump', revision: 1, createdBy: 'api_key:op' });
    expect(await t.backends.db.commandTypes.get('custom:edr-dump')).toEqual(stored);
    expect(validateParams(types.registry(), 'custom:edr-dump', { target: 'disk' })).toEqual({
      target: 'disk',
    });
    const events = await eventsOf('command_type_registered');
    expect(events.map((e) => [e.subject, e.data.revision])).toEqual([
      [{ kind: 'command_type', id: 'custom:edr-dump' }, 1],
    ]);
    expect(await auditOf('command_type.register')).toEqual([['success', null]]);
  });

  it.each([
    ['a built-in name', dump({ name: 'scan' })],
    ['a name without the prefix', dump({ name: 'edr-dump' })],
    ['a bad custom name', dump({ name: 'custom:Edr' })],
    ['no name', dump({ name: undefined })],
    ['a name that is not a string', dump({ name: 7 })],
  ])('refuses %s naming name, and audits the refusal', async (_what, body) => {
    expect(await fieldsOf(types.register(operator, body))).toEqual(['name']);
    expect(await auditOf('command_type.register')).toEqual([['failure', 'invalid_argument']]);
    expect(await t.backends.db.commandTypes.count()).toBe(0);
  });

  it('refuses unknown schema keywords by name', async () => {
    const schema = { type: 'object', properties: { target: { type: 'string', pattern: '^a' } }, if: {} };
    expect(await fieldsOf(types.register(operator, dump({ schema })))).toEqual([
      'schema.properties.target.pattern',
      'schema.if',
    ]);
  });

  it('refuses a schema over the size cap naming schema', async () => {
    const properties = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`p${i}`, { type: 'string', description: 'x'.repeat(2000) }]),
    );
    expect(JSON.stringify(properties).length).toBeGreaterThan(MAX_SCHEMA_BYTES);
    expect(
      await fieldsOf(types.register(operator, dump({ schema: { type: 'object', properties } }))),
    ).toEqual(['schema']);
  });

  it('refuses an example the schema rejects, naming the example field', async () => {
    expect(await fieldsOf(types.register(operator, dump({ example: { target: 'tape' } })))).toEqual([
      'example.target',
    ]);
  });

  it('refuses a taken name with already_exists and keeps the first', async () => {
    await types.register(operator, dump());
    const error = await failure(types.register(operator, dump({ description: 'second' })));
    expect(error.code).toBe(ErrorCode.AlreadyExists);
    expect((await types.get('custom:edr-dump')).kind).toBe('custom');
    expect(await auditOf('command_type.register')).toEqual([
      ['success', null],
      ['failure', 'already_exists'],
    ]);
  });

  it(`refuses more than ${MAX_CUSTOM_COMMAND_TYPES} types`, async () => {
    await t.backends.db.transaction(async (stores) => {
      for (let i = 0; i < MAX_CUSTOM_COMMAND_TYPES; i++)
        await stores.commandTypes.insert({
          name: `custom:t${i}`,
          description: '',
          schema: { type: 'object' },
          example: null,
          createdAt: 0,
          createdBy: 'system',
          updatedAt: 0,
          updatedBy: 'system',
          revision: 1,
        });
    });
    expect((await failure(types.register(operator, dump()))).code).toBe(ErrorCode.PreconditionFailed);
  });
});

describe('CommandTypeService.replace', () => {
  const v2 = { schema: { type: 'object', properties: { level: { type: 'integer', maximum: 3 } } } };

  it('replaces at the expected revision; the registry validates with the new schema', async () => {
    await types.register(operator, dump());
    clock.advance(1000);
    const updated = await types.replace(operator, 'custom:edr-dump', { ...v2, name: 'custom:edr-dump' }, 1);
    expect(updated).toMatchObject({ revision: 2, description: '', example: null, updatedAt: clock.now() });
    expect(validateParams(types.registry(), 'custom:edr-dump', { level: 2 })).toEqual({ level: 2 });
    expect(() => validateParams(types.registry(), 'custom:edr-dump', { level: 4 })).toThrow('invalid input');
    expect((await eventsOf('command_type_updated')).map((e) => e.data.revision)).toEqual([2]);
    expect(await auditOf('command_type.update')).toEqual([['success', null]]);
  });

  it('refuses a stale revision with precondition_failed and changes nothing', async () => {
    await types.register(operator, dump());
    await types.replace(operator, 'custom:edr-dump', v2, 1);
    const error = await failure(types.replace(operator, 'custom:edr-dump', dump({ description: 'late' }), 1));
    expect(error.code).toBe(ErrorCode.PreconditionFailed);
    expect(error.message).toContain('revision 2');
    expect(await t.backends.db.commandTypes.get('custom:edr-dump')).toMatchObject({
      revision: 2,
      description: '',
    });
    expect(await auditOf('command_type.update')).toEqual([
      ['success', null],
      ['failure', 'precondition_failed'],
    ]);
  });

  it('lets one of two concurrent edits of one revision through, and the registry holds the winner', async () => {
    await types.register(operator, dump());
    const results = await Promise.allSettled([
      types.replace(operator, 'custom:edr-dump', v2, 1),
      types.replace(operator, 'custom:edr-dump', dump(), 1),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(validateParams(types.registry(), 'custom:edr-dump', { level: 1 })).toEqual({ level: 1 });
  });

  it('refuses built-in and unknown types, renames and bad schemas', async () => {
    await types.register(operator, dump());
    expect(await fieldsOf(types.replace(operator, 'scan', v2))).toEqual(['name']);
    expect((await failure(types.replace(operator, 'custom:nope', v2))).code).toBe(ErrorCode.NotFound);
    expect(
      await fieldsOf(types.replace(operator, 'custom:edr-dump', { ...v2, name: 'custom:other' })),
    ).toEqual(['name']);
    expect(
      await fieldsOf(types.replace(operator, 'custom:edr-dump', { schema: { type: 'string' } })),
    ).toEqual(['schema.type']);
  });
});

describe('CommandTypeService.delete', () => {
  const send = () =>
    commands.create(operator, {
      type: 'custom:edr-dump',
      params: { target: 'disk' },
      target: { kind: 'agent', agentId: 'a1' },
    });

  it('is refused while an unfinished command uses the type, and allowed once it finished', async () => {
    await types.register(operator, dump());
    const { command } = await send();
    const error = await failure(types.delete(operator, 'custom:edr-dump'));
    expect(error.code).toBe(ErrorCode.PreconditionFailed);
    expect(error.message).toContain(command.id);
    expect(types.registry().has('custom:edr-dump')).toBe(true);
    // Finished: the command expired without reaching its agent.
    await t.backends.db.commands.applyTransitions([{ id: command.id, to: 'expired', at: clock.now() }]);
    expect((await commands.get(command.id)).status).toBe('expired');
    await types.delete(operator, 'custom:edr-dump');
    expect(types.registry().has('custom:edr-dump')).toBe(false);
    expect(await t.backends.db.commandTypes.get('custom:edr-dump')).toBeUndefined();
    expect(await auditOf('command_type.delete')).toEqual([
      ['failure', 'precondition_failed'],
      ['success', null],
    ]);
  });

  it('deletes a type in use when forced; new commands of it are then refused naming type', async () => {
    await types.register(operator, dump());
    await send();
    await types.delete(operator, 'custom:edr-dump', { force: true });
    expect((await eventsOf('command_type_deleted')).map((e) => e.data)).toEqual([
      { revision: 1, description: 'Dump EDR state', forced: true },
    ]);
    expect(await fieldsOf(send())).toEqual(['type']);
  });

  it('refuses built-ins, unknown types and a stale If-Match', async () => {
    await types.register(operator, dump());
    expect(await fieldsOf(types.delete(operator, 'ping'))).toEqual(['name']);
    expect((await failure(types.delete(operator, 'custom:nope'))).code).toBe(ErrorCode.NotFound);
    const stale = await failure(types.delete(operator, 'custom:edr-dump', { expectedRevision: 2 }));
    expect(stale.code).toBe(ErrorCode.PreconditionFailed);
    await types.delete(operator, 'custom:edr-dump', { expectedRevision: 1 });
  });
});

describe('CommandTypeService.load', () => {
  it('rebuilds the registry from the store (as after a restart) and names stored types it cannot use', async () => {
    await types.register(operator, dump());
    await t.backends.db.commandTypes.insert({
      name: 'custom:broken',
      description: '',
      schema: { type: 'object', properties: { a: { type: 'string', format: 'email' } } } as never,
      example: null,
      createdAt: 0,
      createdBy: 'system',
      updatedAt: 0,
      updatedBy: 'system',
      revision: 1,
    });
    const restarted = newService();
    expect(restarted.registry().has('custom:edr-dump')).toBe(false);
    const loaded = await restarted.load();
    expect(loaded).toEqual({
      loaded: 1,
      skipped: [{ name: 'custom:broken', reason: expect.stringContaining('schema.properties.a.format') }],
    });
    expect(validateParams(restarted.registry(), 'custom:edr-dump', { target: 'memory' })).toEqual({
      target: 'memory',
    });
    expect(restarted.registry().has('scan')).toBe(true);
  });

  it('lists built-ins first, then registered types by name', async () => {
    await types.register(operator, dump({ name: 'custom:zz' }));
    await types.register(operator, dump({ name: 'custom:aa' }));
    const names = (await types.list()).map((v) =>
      v.kind === 'built_in' ? v.definition.name : v.stored.name,
    );
    expect(names.slice(-2)).toEqual(['custom:aa', 'custom:zz']);
    expect(names[0]).toBe('status');
  });
});
