// The rotating transport: calls go to the client of the address in use; a move
// closes that client and opens one for the new address; after close() nothing opens.
import { describe, expect, it } from 'vitest';
import type { AgentRpc } from './agent-rpc.js';
import { RotatingAgentRpc } from './rotating-agent-rpc.js';

function fakeRpc(address: string, log: string[]): AgentRpc {
  return {
    enroll: async () => {
      log.push(`enroll@${address}`);
      return { agentId: 'a', credential: 'c', settings: null } as never;
    },
    authenticate: async () => {
      log.push(`authenticate@${address}`);
      return {} as never;
    },
    refreshSession: async () => ({}) as never,
    terminateSession: async () => undefined,
    connect: () => {
      log.push(`connect@${address}`);
      return {} as never;
    },
    close: () => log.push(`close@${address}`),
  };
}

describe('RotatingAgentRpc', () => {
  it('sends calls to the address in use and closes the previous client on a move', async () => {
    const log: string[] = [];
    const rpc = new RotatingAgentRpc('a:1', (address) => {
      log.push(`open@${address}`);
      return fakeRpc(address, log);
    });
    await rpc.enroll({ enrollmentSecret: 's', enrollmentNonce: 'n' });
    rpc.use('a:1');
    rpc.use('b:1');
    await rpc.authenticate({ agentId: 'a', credential: 'c' });
    rpc.connect('token');
    expect(rpc.serverAddress).toBe('b:1');
    rpc.close();
    rpc.use('c:1');
    expect(log).toEqual([
      'open@a:1',
      'enroll@a:1',
      'close@a:1',
      'open@b:1',
      'authenticate@b:1',
      'connect@b:1',
      'close@b:1',
    ]);
  });
});
