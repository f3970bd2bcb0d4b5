// CommandInbox: receipts for every delivery, de-duplication across redelivery,
// expiry, and the simulated stall.
import { describe, expect, it, vi } from 'vitest';
import type { AgentCommand__Output } from '../../gen/proto/corral/agent/v1/AgentCommand.js';
import type { CommandInboxOptions } from './command-inbox.js';
import { CommandInbox } from './command-inbox.js';
import { command } from './command-test-helpers.js';
import type { SeenCommands } from './seen-commands.js';
import { MemorySeenCommands } from './seen-commands.js';

function inbox(overrides: Partial<CommandInboxOptions> = {}) {
  const accepted: AgentCommand__Output[] = [];
  const rejected: [string, string][] = [];
  const onDelivered = vi.fn();
  const onPending = vi.fn();
  const box = new CommandInbox({
    seen: new MemorySeenCommands(),
    accept: (c) => accepted.push(c),
    reject: (c, error) => rejected.push([c.commandId, error]),
    onPending,
    onDelivered,
    ...overrides,
  });
  return { box, accepted, rejected, onDelivered, onPending };
}

describe('CommandInbox', () => {
  it('accepts new commands and collects one receipt per delivery for a single flush', async () => {
    const { box, accepted } = inbox();
    await box.receive([command({ commandId: 'a' }), command({ commandId: 'b' })]);
    await box.receive([command({ commandId: 'c' })]);
    expect(accepted.map((c) => c.commandId)).toEqual(['a', 'b', 'c']);
    expect(box.takeReceipts()).toEqual(['a', 'b', 'c']);
    expect(box.takeReceipts()).toEqual([]);
  });

  it('receipts a redelivered command again but never runs it twice', async () => {
    const { box, accepted, onDelivered } = inbox();
    await box.receive([command({ commandId: 'a' })]);
    box.takeReceipts();
    await box.receive([command({ commandId: 'a', attempt: 2 })]);
    expect(accepted).toHaveLength(1);
    expect(box.takeReceipts()).toEqual(['a']);
    expect(onDelivered).toHaveBeenLastCalledWith({
      commandId: 'a',
      type: 'ping',
      attempt: 2,
      duplicate: true,
    });
  });

  it('runs one of two copies of an id in the same batch', async () => {
    const { box, accepted } = inbox();
    await box.receive([command({ commandId: 'a' }), command({ commandId: 'a' })]);
    expect(accepted).toHaveLength(1);
    expect(box.takeReceipts()).toEqual(['a']);
  });

  it('rejects an expired command, with a receipt', async () => {
    const { box, accepted, rejected } = inbox();
    await box.receive([command({ commandId: 'old', expiresAtMs: Date.now() - 1_000 })]);
    expect(accepted).toEqual([]);
    expect(rejected).toEqual([['old', 'expired before delivery']]);
    expect(box.takeReceipts()).toEqual(['old']);
  });

  it('refuses to run a command whose id cannot be recorded', async () => {
    const broken: SeenCommands = { remember: () => Promise.reject(new Error('disk full')) };
    const { box, accepted, rejected } = inbox({ seen: broken });
    await box.receive([command({ commandId: 'a' })]);
    expect(accepted).toEqual([]);
    expect(rejected).toEqual([['a', 'cannot record the command id: disk full']]);
  });

  it('drops stalled deliveries without receipt, and can run a later redelivery', async () => {
    const onStalled = vi.fn();
    let roll = 0.1;
    const { box, accepted } = inbox({ stallRate: 0.5, random: () => roll, onStalled });
    await box.receive([command({ commandId: 'a' })]);
    expect(onStalled).toHaveBeenCalledTimes(1);
    expect(box.takeReceipts()).toEqual([]);
    roll = 0.9;
    await box.receive([command({ commandId: 'a', attempt: 2 })]);
    expect(accepted.map((c) => c.attempt)).toEqual([2]);
    expect(box.takeReceipts()).toEqual(['a']);
  });
});
