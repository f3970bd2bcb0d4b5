import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import type { CorralError } from '../../shared/errors.js';
import type { RequestContext } from '../audit/audited.js';

let t: TestServices;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  t = await openTestServices({ clock });
  await enrollTestAgent(t, 'a1', { labels: { env: 'prod', zone: 'a' } });
  await enrollTestAgent(t, 'a2', { labels: { env: 'prod', zone: 'b' } });
  await enrollTestAgent(t, 'a3', { labels: { env: 'test' } });
});
afterEach(() => t.close());

const operator = (): RequestContext => ({
  principal: { actor: 'api_key:op', name: 'op', role: 'operator' },
  requestId: 'r1',
});
const failure = async (promise: Promise<unknown>): Promise<CorralError> => {
  try {
    await promise;
  } catch (error) {
    return error as CorralError;
  }
  throw new Error('expected a failure');
};

describe('CommandService.create', () => {
  it('queues a command for one agent with validated params, an event and an audit entry', async () => {
    const created = await t.services.commands.create(operator(), {
      type: 'scan',
      params: { scope: 'full', durationSeconds: 5 },
      target: { kind: 'agent', agentId: 'a1' },
    });
    expect(created.replayed).toBe(false);
    expect(created.children).toEqual([]);
    const stored = await t.services.commands.get(created.command.id);
    expect(stored).toMatchObject({
      type: 'scan',
      agentId: 'a1',
      status: 'queued',
      priority: 'normal',
      requester: 'api_key:op',
    });
    expect(stored.history.map((h) => h.status)).toEqual(['queued']);
    const events = await t.services.events.list({ types: ['command_created'] }, { limit: 10, order: 'asc' });
    expect(events.items.map((e) => e.subject.id)).toEqual([created.command.id]);
    const audit = await t.services.audit.list({ action: 'command.create' }, { limit: 10 });
    expect(audit.items.map((a) => [a.outcome, a.targetId])).toEqual([['success', created.command.id]]);
  });

  it('expands a selector into a bulk parent with one child per matching agent', async () => {
    const created = await t.services.commands.create(operator(), {
      type: 'status',
      target: { kind: 'selector', labels: { env: 'prod' } },
    });
    expect(created.command.agentId).toBeNull();
    expect(created.children.map((c) => c.agentId).sort()).toEqual(['a1', 'a2']);
    expect(created.children.every((c) => c.parentId === created.command.id)).toBe(true);
    expect(created.command.target).toEqual({ kind: 'selector', labels: { env: 'prod' } });
    expect(created.children.map((c) => c.target)).toEqual(
      created.children.map((c) => ({ kind: 'agent', agentId: c.agentId })),
    );
    const children = await t.services.commands.list(
      { parentId: created.command.id },
      { limit: 10, order: 'asc' },
    );
    expect(children.items).toHaveLength(2);
  });

  it('refuses unknown agents, unknown types, bad params and empty selectors, naming the field, storing nothing', async () => {
    const unknownAgent = await failure(
      t.services.commands.create(operator(), {
        type: 'ping',
        target: { kind: 'agents', agentIds: ['a1', 'ghost'] },
      }),
    );
    expect(unknownAgent.violations.map((v) => v.field)).toEqual(['target.agentIds.1']);
    const unknownType = await failure(
      t.services.commands.create(operator(), { type: 'launch', target: { kind: 'agent', agentId: 'a1' } }),
    );
    expect(unknownType.violations.map((v) => v.field)).toContain('type');
    const badParams = await failure(
      t.services.commands.create(operator(), {
        type: 'scan',
        params: { durationSeconds: -1 },
        target: { kind: 'agent', agentId: 'a1' },
      }),
    );
    expect(badParams.violations[0]?.field).toMatch(/^params\./);
    const nobody = await failure(
      t.services.commands.create(operator(), {
        type: 'ping',
        target: { kind: 'selector', labels: { env: 'nowhere' } },
      }),
    );
    expect(nobody.violations.map((v) => v.field)).toEqual(['target.labels']);
    const past = await failure(
      t.services.commands.create(operator(), {
        type: 'ping',
        target: { kind: 'agent', agentId: 'a1' },
        deadlineAt: new Date(clock.now() - 1000).toISOString(),
      }),
    );
    expect(past.violations.map((v) => v.field)).toEqual(['deadlineAt']);
    expect((await t.services.commands.list({}, { limit: 10, order: 'asc' })).items).toEqual([]);
    const refused = await t.services.audit.list(
      { action: 'command.create', outcome: 'failure' },
      { limit: 10 },
    );
    expect(refused.items).toHaveLength(5);
  });

  it('keeps emergency commands to admins', async () => {
    const refused = await failure(
      t.services.commands.create(operator(), {
        type: 'isolate',
        priority: 'emergency',
        params: { reason: 'breach' },
        target: { kind: 'agent', agentId: 'a1' },
      }),
    );
    expect(refused.code).toBe('permission_denied');
    const created = await t.services.commands.create(t.admin, {
      type: 'isolate',
      priority: 'emergency',
      params: { reason: 'breach' },
      target: { kind: 'agent', agentId: 'a1' },
    });
    expect(created.command.priority).toBe('emergency');
  });

  it('returns the same command for the same Idempotency-Key and body, and refuses a different body', async () => {
    const body = { type: 'ping', target: { kind: 'agent', agentId: 'a1' }, idempotencyKey: 'k-1' };
    const first = await t.services.commands.create(operator(), body);
    clock.advance(5000);
    const again = await t.services.commands.create(operator(), {
      idempotencyKey: 'k-1',
      target: { agentId: 'a1', kind: 'agent' },
      type: 'ping',
    });
    expect(again).toMatchObject({ replayed: true, command: { id: first.command.id } });
    const different = await failure(
      t.services.commands.create(operator(), { ...body, target: { kind: 'agent', agentId: 'a2' } }),
    );
    expect(different.code).toBe('precondition_failed');
    expect((await t.services.commands.list({}, { limit: 10, order: 'asc' })).items).toHaveLength(1);
  });
});

describe('CommandService.cancel', () => {
  it('cancels at once a command no agent has received, and records the history', async () => {
    const { command } = await t.services.commands.create(operator(), {
      type: 'ping',
      target: { kind: 'agent', agentId: 'a1' },
    });
    const cancelled = await t.services.commands.cancel(operator(), command.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.history.map((h) => h.status)).toEqual(['queued', 'cancel_requested', 'cancelled']);
    expect((await failure(t.services.commands.cancel(operator(), command.id))).code).toBe(
      'precondition_failed',
    );
  });

  it('waits for the agent to confirm when the command is already out', async () => {
    const { command } = await t.services.commands.create(operator(), {
      type: 'scan',
      target: { kind: 'agent', agentId: 'a1' },
    });
    await t.backends.db.commands.applyTransitions([
      { id: command.id, to: 'scheduled', at: clock.now() },
      { id: command.id, to: 'dispatched', at: clock.now(), delivered: true },
      { id: command.id, to: 'acknowledged', at: clock.now() },
      { id: command.id, to: 'running', at: clock.now() },
    ]);
    expect((await t.services.commands.cancel(operator(), command.id)).status).toBe('cancel_requested');
  });

  it('cancels every unfinished child of a bulk parent', async () => {
    const { command, children } = await t.services.commands.create(operator(), {
      type: 'status',
      target: { kind: 'agents', agentIds: ['a1', 'a2'] },
    });
    await t.services.commands.cancel(operator(), command.id);
    for (const child of children) expect((await t.services.commands.get(child.id)).status).toBe('cancelled');
  });

  it('answers not_found for an unknown command', async () => {
    expect((await failure(t.services.commands.cancel(operator(), 'nope'))).code).toBe('not_found');
  });
});
