// `corral commands send`: the request body built from flags, and bad flags
// refused as usage errors naming the flag.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error.js';
import { sendRequestBody } from './commands-command.js';

describe('sendRequestBody', () => {
  it('builds an agent, agents or selector target with params, priority and timeout', () => {
    expect(
      sendRequestBody({
        type: 'scan',
        agent: 'a-1',
        params: '{"scope":"full"}',
        priority: 'high',
        timeout: '10m',
      }),
    ).toEqual({
      type: 'scan',
      target: { kind: 'agent', agentId: 'a-1' },
      params: { scope: 'full' },
      priority: 'high',
      timeoutSeconds: 600,
    });
    expect(sendRequestBody({ type: 'ping', agents: 'a, b,' })).toEqual({
      type: 'ping',
      target: { kind: 'agents', agentIds: ['a', 'b'] },
    });
    expect(sendRequestBody({ type: 'ping', selector: 'env=prod,role=edge' })).toEqual({
      type: 'ping',
      target: { kind: 'selector', labels: { env: 'prod', role: 'edge' } },
    });
  });

  it.each([
    [{ type: 'ping' }, 'exactly one of'],
    [{ type: 'ping', agent: 'a', selector: 'x=y' }, 'exactly one of'],
    [{ type: 'ping', agents: ' , ' }, '--agents'],
    [{ type: 'ping', selector: 'env' }, '--selector'],
    [{ type: 'ping', agent: 'a', params: '{bad' }, '--params'],
    [{ type: 'ping', agent: 'a', params: '[1]' }, '--params'],
    [{ type: 'ping', agent: 'a', timeout: 'soon' }, '--timeout'],
    [{ type: 'ping', agent: 'a', timeout: '500ms' }, '--timeout'],
  ])('refuses %j naming %s', (flags, text) => {
    expect(() => sendRequestBody(flags)).toThrow(UsageError);
    expect(() => sendRequestBody(flags)).toThrow(text);
  });
});
