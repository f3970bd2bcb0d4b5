// CommandChannel: batching onto the stream, resending on attach, receipts
// clearing the outbox, and the simulated crash.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentMessage } from '../../gen/proto/corral/agent/v1/AgentMessage.js';
import type { CommandChannelHooks, CommandChannelOptions, CommandSink } from './command-channel.js';
import { CommandChannel } from './command-channel.js';
import { command, until } from './command-test-helpers.js';
import { builtinHandlers } from './handlers/builtin-handlers.js';
import { MemorySeenCommands } from './seen-commands.js';

class FakeSink implements CommandSink {
  readonly messages: AgentMessage[] = [];
  open = true;
  writable(): boolean {
    return this.open;
  }
  write(message: AgentMessage): void {
    this.messages.push(message);
  }
  receipts(): string[][] {
    return this.messages.flatMap((m) => (m.commandReceipts ? [m.commandReceipts.commandIds ?? []] : []));
  }
  updates(): [string, string][] {
    return this.messages.flatMap((m) =>
      (m.commandUpdates?.updates ?? []).map((u): [string, string] => [u.commandId ?? '', String(u.phase)]),
    );
  }
}

let channels: CommandChannel[] = [];
afterEach(() => {
  for (const channel of channels) channel.close();
  channels = [];
});

function channel(overrides: Partial<CommandChannelOptions> = {}) {
  const hooks: CommandChannelHooks = { reconnect: vi.fn(), exit: vi.fn(), crash: vi.fn() };
  const c = new CommandChannel({
    seen: new MemorySeenCommands(),
    handlers: builtinHandlers(),
    hooks,
    flushIntervalMs: 10,
    ...overrides,
  });
  channels.push(c);
  return { channel: c, hooks };
}

describe('CommandChannel', () => {
  it('sends the receipts of a batch in one message and the outcomes in few', async () => {
    const { channel: c } = channel();
    const sink = new FakeSink();
    c.attach(sink);
    await c.onCommands(['a', 'b', 'c'].map((id) => command({ commandId: id })));
    await until(() =>
      expect(sink.updates().filter(([, p]) => p === 'COMMAND_PHASE_SUCCEEDED')).toHaveLength(3),
    );
    // Each command is acknowledged once: by a receipt, or by an update sent in the same flush.
    const receipted = sink.receipts().flat();
    expect(receipted).toEqual([...new Set(receipted)]);
    expect(sink.receipts().length).toBeLessThanOrEqual(1);
    // Batched: far fewer update messages than updates (3 RUNNING + 3 SUCCEEDED).
    expect(sink.messages.filter((m) => m.commandUpdates).length).toBeLessThan(6);
  });

  it('sends receipts for commands that wait in its queue, not for those an update already answers', async () => {
    const { channel: c } = channel({ maxConcurrent: 1 });
    const sink = new FakeSink();
    c.attach(sink);
    const scan = { type: 'scan', paramsJson: '{"durationSeconds":60}' };
    await c.onCommands(['a', 'b', 'c'].map((id) => command({ commandId: id, ...scan })));
    await until(() => expect(sink.updates()).toContainEqual(['a', 'COMMAND_PHASE_RUNNING']));
    await until(() => expect(sink.receipts()).toEqual([['b', 'c']]));
  });

  it('re-sends unreceipted updates on a new stream, and forgets receipted ones', async () => {
    const { channel: c } = channel();
    const first = new FakeSink();
    c.attach(first);
    await c.onCommands([command({ commandId: 'a' })]);
    await until(() => expect(first.updates()).toContainEqual(['a', 'COMMAND_PHASE_SUCCEEDED']));
    c.onUpdateReceipts({ receipts: [{ commandId: 'a', phase: 'COMMAND_PHASE_RUNNING' }] });
    c.detach();
    const second = new FakeSink();
    c.attach(second);
    await until(() => expect(second.updates()).toEqual([['a', 'COMMAND_PHASE_SUCCEEDED']]));
    c.onUpdateReceipts({ receipts: [{ commandId: 'a', phase: 'COMMAND_PHASE_SUCCEEDED' }] });
    expect(c.outbox.size).toBe(0);
  });

  it('reports each update the server stored, once, when its receipt arrives', async () => {
    const stored = vi.fn<NonNullable<CommandChannelOptions['onUpdateStored']>>();
    const { channel: c } = channel({ onUpdateStored: stored });
    const sink = new FakeSink();
    c.attach(sink);
    await c.onCommands([command({ commandId: 'a' })]);
    await until(() => expect(sink.updates()).toContainEqual(['a', 'COMMAND_PHASE_SUCCEEDED']));
    expect(stored).not.toHaveBeenCalled();
    const receipt = { receipts: [{ commandId: 'a', phase: 'COMMAND_PHASE_SUCCEEDED' as const }] };
    c.onUpdateReceipts(receipt);
    c.onUpdateReceipts(receipt);
    expect(stored).toHaveBeenCalledTimes(1);
    expect(stored).toHaveBeenCalledWith(
      expect.objectContaining({ commandId: 'a', phase: 'COMMAND_PHASE_SUCCEEDED' }),
    );
  });

  it('waits while the stream is not writable', async () => {
    const { channel: c } = channel();
    const sink = new FakeSink();
    sink.open = false;
    c.attach(sink);
    await c.onCommands([command({ commandId: 'a' })]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sink.messages).toEqual([]);
    sink.open = true;
    // The command ran meanwhile: its update is its receipt.
    await until(() => expect(sink.updates()).toContainEqual(['a', 'COMMAND_PHASE_SUCCEEDED']));
    expect(sink.receipts().flat()).not.toContain('a');
  });

  it('cancels a running command on the server’s request', async () => {
    const { channel: c } = channel();
    const sink = new FakeSink();
    c.attach(sink);
    await c.onCommands([command({ commandId: 's', type: 'scan', paramsJson: '{"durationSeconds":60}' })]);
    c.onCancel({ commandId: 's', reason: 'stop it' });
    await until(() => expect(sink.updates()).toContainEqual(['s', 'COMMAND_PHASE_CANCELLED']));
  });

  it('flushes the outcome before following up with a reconnect', async () => {
    const sink = new FakeSink();
    const { channel: c, hooks } = channel();
    let sentBeforeReconnect: [string, string][] = [];
    vi.mocked(hooks.reconnect).mockImplementation(() => {
      sentBeforeReconnect = sink.updates();
    });
    c.attach(sink);
    await c.onCommands([command({ commandId: 'r', type: 'restart' })]);
    await until(() => expect(hooks.reconnect).toHaveBeenCalledWith(0, 'restart command'));
    expect(sentBeforeReconnect).toContainEqual(['r', 'COMMAND_PHASE_SUCCEEDED']);
  });

  it('crashes after the nth finished command and forgets all but the seen ids on reset', async () => {
    const seen = new MemorySeenCommands();
    const { channel: c, hooks } = channel({ seen, failureModes: { crashAfter: 2 } });
    const sink = new FakeSink();
    c.attach(sink);
    await c.onCommands([command({ commandId: 'a' })]);
    await until(() => expect(sink.updates()).toContainEqual(['a', 'COMMAND_PHASE_SUCCEEDED']));
    expect(hooks.crash).not.toHaveBeenCalled();
    await c.onCommands([command({ commandId: 'b' })]);
    await until(() => expect(hooks.crash).toHaveBeenCalledTimes(1));
    c.reset();
    expect(c.outbox.size).toBe(0);
    await c.onCommands([command({ commandId: 'a', attempt: 2 })]);
    expect(c.activeCommands).toBe(0);
    expect(seen.size).toBe(2);
  });
});
