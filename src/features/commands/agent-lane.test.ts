import { describe, expect, it } from 'vitest';
import { AgentLane } from './agent-lane.js';
import { commandFixture, CREATED_AT, DEADLINE_AT } from './command-store.fixtures.js';
import type { Command } from './command.js';

const T = CREATED_AT;
const cmd = (id: string, overrides: Partial<Command> = {}) =>
  commandFixture(id, { agentId: 'a1', ...overrides });
const ids = (commands: readonly Command[]) => commands.map((c) => c.id);

describe('AgentLane', () => {
  it('sends at most `capacity` commands at once, by priority then deadline then arrival', () => {
    const lane = new AgentLane('a1', 2, 10, T);
    lane.offer(cmd('n1'));
    lane.offer(cmd('low', { priority: 'low' }));
    lane.offer(cmd('n2', { deadlineAt: DEADLINE_AT - 1 }));
    lane.offer(cmd('high', { priority: 'high' }));
    expect(ids(lane.take(T, false))).toEqual(['high', 'n2']);
    expect(ids(lane.take(T, false))).toEqual([]);
    expect(lane.finish('high')?.command.id).toBe('high');
    expect(ids(lane.take(T, false))).toEqual(['n1']);
    lane.finish('n2');
    lane.finish('n1');
    expect(ids(lane.take(T, false))).toEqual(['low']);
    expect(lane.outCount).toBe(1);
  });

  it('sends emergency commands at once, past a full window and while dispatch is held', () => {
    const lane = new AgentLane('a1', 1, 10, T);
    lane.offer(cmd('n1'));
    expect(ids(lane.take(T, false))).toEqual(['n1']);
    lane.offer(cmd('n2'));
    lane.offer(cmd('e1', { priority: 'emergency' }));
    lane.offer(cmd('e2', { priority: 'emergency' }));
    expect(ids(lane.take(T, true))).toEqual(['e1', 'e2']);
    // Emergencies take no window slot: finishing n1 lets n2 out even with both still out.
    lane.finish('n1');
    expect(ids(lane.take(T, true))).toEqual([]);
    expect(ids(lane.take(T, false))).toEqual(['n2']);
  });

  it('holds what does not fit and marks itself spilled; dropped and expired commands are never sent', () => {
    const lane = new AgentLane('a1', 5, 2, T);
    lane.offer(cmd('c1'));
    lane.offer(cmd('c2', { expiresAt: T + 10 }));
    expect(lane.spilled).toBe(false);
    lane.offer(cmd('c3'));
    expect(lane.spilled).toBe(true);
    expect(lane.holds('c3')).toBe(false);
    lane.offer(cmd('c1'));
    expect(lane.waitingCount).toBe(2);
    lane.drop('c1');
    expect(ids(lane.take(T + 10, false))).toEqual([]);
    expect(lane.waitingCount).toBe(0);
  });

  it('resends dispatched commands loaded at connect once, counting every outstanding one in the window', () => {
    const lane = new AgentLane('a1', 2, 10, T);
    lane.markOut(cmd('d1', { status: 'dispatched', deliveries: 1 }), T);
    lane.markOut(cmd('r1', { status: 'running' }), T);
    lane.offer(cmd('q1'));
    expect(ids(lane.take(T, true))).toEqual(['d1']);
    expect(ids(lane.take(T, false))).toEqual([]);
    expect(lane.outEntry('r1')?.status).toBe('running');
    lane.finish('r1');
    expect(ids(lane.take(T, false))).toEqual(['q1']);
  });

  it('gives up window slots of commands past their deadline, or past expiry while unacknowledged', () => {
    const lane = new AgentLane('a1', 2, 10, T);
    lane.markOut(cmd('late', { status: 'running', deadlineAt: T + 100 }), T);
    lane.markOut(cmd('lost', { status: 'dispatched', expiresAt: T + 50 }), T);
    lane.take(T, false);
    lane.offer(cmd('next'));
    lane.offer(cmd('after'));
    expect(ids(lane.take(T + 49, false))).toEqual([]);
    expect(ids(lane.take(T + 50, false))).toEqual(['next']);
    expect(lane.outEntry('lost')).toBeUndefined();
    expect(lane.outEntry('late')?.status).toBe('running');
    expect(ids(lane.take(T + 100, false))).toEqual(['after']);
    expect(lane.outEntry('late')).toBeUndefined();
  });

  it('tells since when its longest-waiting command waited: creation, or the connection if later', () => {
    const lane = new AgentLane('a1', 1, 10, T + 1_000);
    expect(lane.oldestWaitingSince()).toBeUndefined();
    // Created before the agent connected: it waited here only from the connection on.
    lane.offer(cmd('before', { createdAt: T }));
    lane.offer(cmd('urgent', { priority: 'high', createdAt: T + 5_000 }));
    expect(lane.oldestWaitingSince()).toBe(T + 1_000);
    // The high-priority command goes out first; the older one still waits behind the full window.
    expect(ids(lane.take(T + 6_000, false))).toEqual(['urgent']);
    expect(lane.oldestWaitingSince()).toBe(T + 1_000);
    lane.offer(cmd('later', { createdAt: T + 7_000 }));
    lane.drop('before');
    expect(lane.oldestWaitingSince()).toBe(T + 7_000);
    lane.finish('urgent');
    expect(ids(lane.take(T + 8_000, false))).toEqual(['later']);
    expect(lane.oldestWaitingSince()).toBeUndefined();
  });
});
