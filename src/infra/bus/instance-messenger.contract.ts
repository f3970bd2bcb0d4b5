// The InstanceMessenger contract, run on every implementation (memory, AMQP)
// through describeInstanceMessengerContract.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import type { InstanceMessage, InstanceMessenger } from './instance-messenger.js';

export interface InstanceNetworkFactory {
  /** A fresh network per test: instances opened through it reach each other. */
  network(): Promise<{ open(instanceId: string): Promise<InstanceMessenger>; cleanUp(): Promise<void> }>;
}

const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 10_000, interval: 20 });

const commandReady = (commandId: string): InstanceMessage => ({
  kind: 'command_ready',
  data: { commandId, agentId: 'agent-7', nested: { list: [1, 'two'] } },
});

export function describeInstanceMessengerContract(name: string, factory: InstanceNetworkFactory): void {
  describe(`InstanceMessenger contract (${name})`, () => {
    let network: Awaited<ReturnType<InstanceNetworkFactory['network']>>;
    const opened: InstanceMessenger[] = [];
    const open = async (id: string) => {
      network ??= await factory.network();
      const messenger = await network.open(id);
      opened.push(messenger);
      return messenger;
    };
    afterEach(async () => {
      for (const messenger of opened.splice(0)) await messenger.close();
      await network?.cleanUp();
      network = undefined as unknown as typeof network;
    });

    it('delivers messages to the addressed instance, in order, with the sender id', async () => {
      const [a, b] = [await open('instance-a'), await open('instance-b')];
      const received: [InstanceMessage, string][] = [];
      await b.onMessage((message, from) => void received.push([message, from]));
      await a.send('instance-b', commandReady('c1'));
      await a.send('instance-b', commandReady('c2'));
      await eventually(() =>
        expect(received).toEqual([
          [commandReady('c1'), 'instance-a'],
          [commandReady('c2'), 'instance-a'],
        ]),
      );
    });

    it('reaches only the addressed instance', async () => {
      const [a, b, c] = [await open('instance-a'), await open('instance-b'), await open('instance-c')];
      const atB: string[] = [];
      const atC: string[] = [];
      await b.onMessage((m) => void atB.push(String(m.data.commandId)));
      await c.onMessage((m) => void atC.push(String(m.data.commandId)));
      await a.send('instance-c', commandReady('for-c'));
      await a.send('instance-b', commandReady('for-b'));
      await eventually(() => expect([atB, atC]).toEqual([['for-b'], ['for-c']]));
    });

    it('rejects with not_found when no instance of that id is listening, also after it closed', async () => {
      const [a, b] = [await open('instance-a'), await open('instance-b')];
      await expect(a.send('instance-nobody', commandReady('c1'))).rejects.toMatchObject({
        code: ErrorCode.NotFound,
      });
      await b.close();
      await eventually(async () => {
        await expect(a.send('instance-b', commandReady('c2'))).rejects.toMatchObject({
          code: ErrorCode.NotFound,
        });
      });
    });

    it('reports a failing handler, still runs the others, and stops handing messages to a removed handler', async () => {
      const [a, b] = [await open('instance-a'), await open('instance-b')];
      const kept: string[] = [];
      const removed: string[] = [];
      await b.onMessage(() => {
        throw new Error('handler broke');
      });
      const stop = await b.onMessage((m) => void removed.push(String(m.data.commandId)));
      await b.onMessage((m) => void kept.push(String(m.data.commandId)));
      await a.send('instance-b', commandReady('c1'));
      await eventually(() => expect([kept, removed]).toEqual([['c1'], ['c1']]));
      await stop();
      await a.send('instance-b', commandReady('c2'));
      await eventually(() => expect(kept).toEqual(['c1', 'c2']));
      expect(removed).toEqual(['c1']);
    });

    it('refuses to send once closed, and refuses a malformed instance id', async () => {
      const a = await open('instance-a');
      await open('instance-b');
      await expect(a.send('has space', commandReady('c1'))).rejects.toMatchObject({
        code: ErrorCode.InvalidArgument,
      });
      await a.close();
      await expect(a.send('instance-b', commandReady('c1'))).rejects.toMatchObject({
        code: ErrorCode.Unavailable,
      });
    });
  });
}
