// InstanceSignals between three instances on one MemoryInstanceNetwork and one
// MemoryPresence: who is told what, batched per flush, and what is left alone.
import { describe, expect, it } from 'vitest';
import { MemoryInstanceNetwork } from '../../infra/bus/memory-instance-messenger.js';
import { MemoryPresence } from '../../infra/coordination/memory-presence.js';
import { FakeClock } from '../../shared/clock.js';
import type { Command } from '../commands/command.js';
import type { ConfigurationChange } from '../configuration/configuration-service.js';
import { InstanceSignals, type SignalReceivers } from './instance-signals.js';

class Received implements SignalReceivers {
  readonly work: string[][] = [];
  readonly cancels: [string, string, string][] = [];
  capability = 0;
  readonly desired: ConfigurationChange[] = [];
  workArrived(agentIds: readonly string[]): void {
    this.work.push([...agentIds].sort());
  }
  cancelArrived(commands: readonly { id: string; agentId: string }[], reason: string): void {
    for (const c of commands) this.cancels.push([c.id, c.agentId, reason]);
  }
  capabilityWorkArrived(): void {
    this.capability += 1;
  }
  desiredStateChanged(change: ConfigurationChange): void {
    this.desired.push(change);
  }
  readonly operator: string[] = [];
  drainRequested(by: string): void {
    this.operator.push(`drain by ${by}`);
  }
  resumeRequested(by: string): void {
    this.operator.push(`resume by ${by}`);
  }
}

async function cluster() {
  const clock = new FakeClock();
  const presence = new MemoryPresence(clock);
  const network = new MemoryInstanceNetwork();
  const errors: unknown[] = [];
  const held: Record<string, string[]> = { a: ['a1'], b: ['b1', 'b2'], c: ['c1'] };
  const nodes = new Map<string, { signals: InstanceSignals; received: Received; leave(): Promise<void> }>();
  for (const [id, agents] of Object.entries(held)) {
    await presence.setPresence(agents, id, 60_000);
    await presence.heartbeatInstance(
      id,
      { agents: agents.length, address: '', startedAt: 0, version: '1' },
      60_000,
    );
    const received = new Received();
    const messenger = network.join(id);
    const signals = new InstanceSignals(presence, messenger, {
      holdsAgent: (agentId) => agents.includes(agentId),
      receivers: received,
      onError: (error) => errors.push(error),
    });
    await signals.start();
    nodes.set(id, { signals, received, leave: () => messenger.close() });
  }
  const node = (id: string) =>
    nodes.get(id) as { signals: InstanceSignals; received: Received; leave(): Promise<void> };
  return { node, errors };
}

function command(id: string, agentId: string | null, capability = false): Command {
  return {
    id,
    agentId,
    parentId: capability ? 'parent' : null,
    target: capability ? { kind: 'capability', capability: 'scan', count: 1 } : { kind: 'agent', agentId },
  } as unknown as Command;
}

describe('InstanceSignals', () => {
  it('tells each holder which of its agents have new work, once per flush whatever the number of commands', async () => {
    const { node, errors } = await cluster();
    const a = node('a');
    a.signals.commandsCreated([command('1', 'b1'), command('2', 'b2'), command('3', 'c1')]);
    a.signals.commandsCreated([command('4', 'b1'), command('5', 'a1'), command('6', 'nowhere')]);
    await a.signals.flush();
    expect(node('b').received.work).toEqual([['b1', 'b2']]);
    expect(node('c').received.work).toEqual([['c1']]);
    expect(a.received.work).toEqual([]);
    expect(a.signals.sent).toBe(2);
    expect(errors).toEqual([]);
  });

  it('sends nothing for agents held here or held nowhere', async () => {
    const { node } = await cluster();
    const a = node('a');
    a.signals.commandsCreated([command('1', 'a1'), command('2', 'gone')]);
    a.signals.cancelRequested([command('1', 'a1')], 'stop');
    await a.signals.flush();
    expect(a.signals.sent).toBe(0);
    expect(node('b').received.work).toEqual([]);
  });

  it('passes cancels to the instance holding each agent', async () => {
    const { node } = await cluster();
    node('a').signals.cancelRequested(
      [command('1', 'b1'), command('2', 'c1'), command('3', 'a1')],
      'operator',
    );
    await node('a').signals.flush();
    expect(node('b').received.cancels).toEqual([['1', 'b1', 'operator']]);
    expect(node('c').received.cancels).toEqual([['2', 'c1', 'operator']]);
  });

  it('announces unplaced capability children and desired state changes to every other live instance', async () => {
    const { node } = await cluster();
    const a = node('a');
    a.signals.commandsCreated([command('p1', null, true), command('p2', null, true)]);
    a.signals.desiredStateChangedHere({ agentIds: ['b1'] });
    a.signals.desiredStateChangedHere({ agentIds: ['c1', 'b1'] });
    await a.signals.flush();
    for (const id of ['b', 'c']) {
      expect(node(id).received.capability).toBe(1);
      expect(node(id).received.desired).toEqual([{ agentIds: ['b1', 'c1'] }]);
    }
    expect(a.received.capability).toBe(0);
    a.signals.desiredStateChangedHere({ agentIds: ['a1'] });
    a.signals.desiredStateChangedHere({ all: true });
    await a.signals.flush();
    expect(node('c').received.desired.at(-1)).toEqual({ all: true });
  });

  it('tells one instance of an operator request at once, and refuses an instance nobody listens as', async () => {
    const { node } = await cluster();
    await node('a').signals.tell('b', { kind: 'drain_requested', by: 'key:ops' });
    await node('a').signals.tell('b', { kind: 'resume_requested', by: 'key:ops' });
    expect(node('b').received.operator).toEqual(['drain by key:ops', 'resume by key:ops']);
    expect(node('c').received.operator).toEqual([]);
    await expect(
      node('a').signals.tell('zz', { kind: 'drain_requested', by: 'key:ops' }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('treats an instance that went away as holding nothing (no error), and stops listening on stop', async () => {
    const { node, errors } = await cluster();
    await node('b').signals.stop();
    // b left the network but its presence has not expired yet.
    await node('b').leave();
    node('a').signals.commandsCreated([command('1', 'b1')]);
    await node('a').signals.flush();
    expect(errors).toEqual([]);
    expect(node('b').received.work).toEqual([]);
  });
});
