// UpdateOutbox: coalescing of progress, retention until receipt, resending, bounded memory.
import { describe, expect, it } from 'vitest';
import { updateRecord } from './command-test-helpers.js';
import { UpdateOutbox } from './update-outbox.js';

const running = (id: string, progressPercent: number) =>
  updateRecord({ commandId: id, phase: 'COMMAND_PHASE_RUNNING', progressPercent });
const succeeded = (id: string) => updateRecord({ commandId: id, phase: 'COMMAND_PHASE_SUCCEEDED' });

describe('UpdateOutbox', () => {
  it('coalesces progress per command: only the latest is sent', () => {
    const outbox = new UpdateOutbox();
    outbox.add(running('a', 10));
    outbox.add(running('b', 5));
    outbox.add(running('a', 40));
    expect(outbox.take(0).map((u) => [u.commandId, u.progressPercent])).toEqual([
      ['b', 5],
      ['a', 40],
    ]);
  });

  it('drops pending progress once the command has a terminal update', () => {
    const outbox = new UpdateOutbox();
    outbox.add(running('a', 50));
    outbox.add(succeeded('a'));
    expect(outbox.take(0).map((u) => u.phase)).toEqual(['COMMAND_PHASE_SUCCEEDED']);
  });

  it('keeps every update until the server receipts its (command id, phase)', () => {
    const outbox = new UpdateOutbox({ resendAfterMs: 1_000 });
    outbox.add(succeeded('a'));
    outbox.add(succeeded('b'));
    expect(outbox.take(0)).toHaveLength(2);
    expect(outbox.take(10)).toEqual([]);
    outbox.acknowledge([{ commandId: 'a', phase: 'COMMAND_PHASE_SUCCEEDED' }]);
    // A receipt for another phase does not count.
    outbox.acknowledge([{ commandId: 'b', phase: 'COMMAND_PHASE_FAILED' }]);
    expect(outbox.size).toBe(1);
    expect(outbox.take(1_000).map((u) => u.commandId)).toEqual(['b']);
    outbox.acknowledge([{ commandId: 'b', phase: 'COMMAND_PHASE_SUCCEEDED' }]);
    expect(outbox.size).toBe(0);
    expect(outbox.nextDueAtMs()).toBeUndefined();
  });

  it('returns what a receipt forgot, once, and nothing for an update never sent', () => {
    const outbox = new UpdateOutbox();
    outbox.add(succeeded('a'));
    outbox.add(running('b', 10));
    outbox.take(0);
    outbox.add(succeeded('c'));
    const receipts = ['a', 'c'].map((commandId) => ({
      commandId,
      phase: 'COMMAND_PHASE_SUCCEEDED' as const,
    }));
    expect(outbox.acknowledge(receipts)).toEqual([succeeded('a')]);
    expect(outbox.acknowledge(receipts)).toEqual([]);
    expect(outbox.acknowledge([{ commandId: 'b', phase: 'COMMAND_PHASE_RUNNING' }])).toEqual([
      running('b', 10),
    ]);
  });

  it('re-sends everything unacknowledged after a reconnect', () => {
    const outbox = new UpdateOutbox();
    outbox.add(running('a', 30));
    outbox.add(succeeded('b'));
    outbox.take(0);
    expect(outbox.take(1)).toEqual([]);
    outbox.resendAll();
    expect(outbox.take(2).map((u) => u.commandId)).toEqual(['a', 'b']);
  });

  it('re-sends on the same stream after resendAfterMs without a receipt', () => {
    const outbox = new UpdateOutbox({ resendAfterMs: 500 });
    outbox.add(succeeded('a'));
    outbox.take(100);
    expect(outbox.nextDueAtMs()).toBe(600);
    expect(outbox.take(599)).toEqual([]);
    expect(outbox.take(600)).toHaveLength(1);
  });

  it('a receipt for sent progress does not drop newer progress written since', () => {
    const outbox = new UpdateOutbox();
    outbox.add(running('a', 10));
    outbox.take(0);
    outbox.add(running('a', 20));
    outbox.acknowledge([{ commandId: 'a', phase: 'COMMAND_PHASE_RUNNING' }]);
    expect(outbox.take(1).map((u) => u.progressPercent)).toEqual([20]);
  });

  it('stays bounded by dropping the oldest progress, never a terminal update', () => {
    const outbox = new UpdateOutbox({ maxEntries: 3 });
    outbox.add(succeeded('t1'));
    outbox.add(running('p1', 10));
    outbox.add(running('p2', 10));
    outbox.add(running('p3', 10));
    expect(outbox.size).toBe(3);
    expect(outbox.dropped).toBe(1);
    outbox.add(succeeded('t2'));
    outbox.add(succeeded('t3'));
    outbox.add(succeeded('t4'));
    // Only terminal updates are left, and none of them was dropped even past the cap.
    expect(outbox.take(0).map((u) => u.commandId)).toEqual(['t1', 't2', 't3', 't4']);
    expect(outbox.dropped).toBe(3);
  });

  it('takes at most limit updates per call', () => {
    const outbox = new UpdateOutbox();
    for (const id of ['a', 'b', 'c']) outbox.add(succeeded(id));
    expect(outbox.take(0, 2)).toHaveLength(2);
    expect(outbox.take(0, 2).map((u) => u.commandId)).toEqual(['c']);
  });
});
