// CommandTracker: outcomes matched to their POSTs whichever arrives first,
// refusals, leftovers settled from the server's status, and the settle signal.
import { describe, expect, it } from 'vitest';
import { updateRecord } from '../agent/commands/command-test-helpers.js';
import type { Phase } from '../agent/commands/command-types.js';
import { CommandTracker, type SentCommand } from './command-tracker.js';

function tracker() {
  let nowMs = 0;
  const t = new CommandTracker(() => nowMs);
  return { t, at: (ms: number) => (nowMs = ms) };
}
const sent = (sentAtMs: number, agentId = 'lt-1', type = 'ping'): SentCommand => ({
  agentId,
  type,
  sentAtMs,
});
const update = (commandId: string, phase: Phase, error = '') => updateRecord({ commandId, phase, error });

describe('CommandTracker', () => {
  it('times a command from its POST to the stored outcome, even when the outcome arrives first', () => {
    const { t, at } = tracker();
    t.accepted('a', sent(100));
    at(150);
    t.stored(update('a', 'COMMAND_PHASE_SUCCEEDED'));
    at(300);
    t.stored(update('b', 'COMMAND_PHASE_SUCCEEDED'));
    expect(t.responseTimes.count).toBe(1);
    at(320);
    t.accepted('b', sent(200));
    expect(t.responseTimes.count).toBe(2);
    expect(t.responseTimes.max).toBe(100);
    expect(t.responseTimes.mean).toBe(75);
    expect(t.successful).toBe(2);
    expect(t.outstanding).toBe(0);
  });

  it('ignores progress and counts agent failures with their reason', () => {
    const { t } = tracker();
    t.accepted('a', sent(0, 'lt-2', 'scan'));
    t.stored(update('a', 'COMMAND_PHASE_RUNNING'));
    expect(t.outstanding).toBe(1);
    t.stored(update('a', 'COMMAND_PHASE_FAILED', 'simulated failure'));
    t.accepted('r', sent(0));
    t.stored(update('r', 'COMMAND_PHASE_REJECTED', 'unknown command type'));
    expect(t.failed).toBe(2);
    expect(t.responseTimes.count).toBe(2);
    expect(Object.fromEntries(t.outcomes)).toEqual({ failed: 1, rejected: 1 });
    expect(t.failedCommands[0]).toEqual({
      commandId: 'a',
      agentId: 'lt-2',
      type: 'scan',
      status: 'failed',
      reason: 'simulated failure',
    });
    expect([...t.reasons.keys()]).toEqual(['failed: simulated failure', 'rejected: unknown command type']);
  });

  it('counts API refusals as failed, without a response time', () => {
    const { t } = tracker();
    t.refused(sent(0), '429 Too many requests');
    t.refused(sent(0), '429 Too many requests');
    expect(t.failed).toBe(2);
    expect(t.responseTimes.count).toBe(0);
    expect(t.failedCommands[0]).toMatchObject({ commandId: null, status: 'refused' });
    expect(Object.fromEntries(t.reasons)).toEqual({ 'refused: 429 Too many requests': 2 });
  });

  it('settles leftovers from the server status and resolves whenSettled once none is outstanding', async () => {
    const { t } = tracker();
    t.accepted('a', sent(0));
    t.accepted('b', sent(0));
    let settled = false;
    const done = t.whenSettled().then(() => (settled = true));
    expect(t.outstandingIds()).toEqual(['a', 'b']);
    t.settle('a', 'timed_out', 'timed_out (no outcome from the agent)');
    await Promise.resolve();
    expect(settled).toBe(false);
    t.settle('b', 'succeeded', 'succeeded');
    await done;
    // Settling twice, or an unknown id, changes nothing.
    t.settle('b', 'failed', 'again');
    expect({ successful: t.successful, failed: t.failed, timed: t.responseTimes.count }).toEqual({
      successful: 1,
      failed: 1,
      timed: 0,
    });
    await expect(t.whenSettled()).resolves.toBeUndefined();
  });
});
