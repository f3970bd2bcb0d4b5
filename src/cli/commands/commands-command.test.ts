// `corral commands send`: the request body built from flags, and bad flags
// refused as usage errors naming the flag; what `commands watch` draws.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error.js';
import { sendRequestBody, watchProgress, type CommandJson } from './commands-command.js';

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
    expect(sendRequestBody({ type: 'ping', group: '01JGROUP000000000000000000' })).toEqual({
      type: 'ping',
      target: { kind: 'group', groupId: '01JGROUP000000000000000000' },
    });
  });

  it('builds a capability target for the scheduler, with count, labels and a locality hint', () => {
    expect(sendRequestBody({ type: 'scan', capability: 'scan' })).toEqual({
      type: 'scan',
      target: { kind: 'capability', capability: 'scan', count: 1 },
    });
    expect(
      sendRequestBody({
        type: 'scan',
        capability: 'scan',
        count: '5',
        labels: 'env=prod',
        near: '10.1.0.0/16',
      }),
    ).toEqual({
      type: 'scan',
      target: {
        kind: 'capability',
        capability: 'scan',
        count: 5,
        labels: { env: 'prod' },
        near: { kind: 'cidr', cidr: '10.1.0.0/16' },
      },
    });
    const near = (text: string) =>
      (sendRequestBody({ type: 'ping', capability: 'x', near: text }).target as { near: unknown }).near;
    expect(near('10.1.2.3')).toEqual({ kind: 'ip', ip: '10.1.2.3' });
    expect(near('segment=dmz')).toEqual({ kind: 'segment', segment: 'dmz' });
    expect(near('label:rack=r1')).toEqual({ kind: 'label', key: 'rack', value: 'r1' });
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
    [{ type: 'ping', agent: 'a', capability: 'scan' }, 'exactly one of'],
    [{ type: 'ping', group: 'g1', selector: 'x=y' }, 'exactly one of'],
    [{ type: 'ping', group: 'bad id!' }, '--group'],
    [{ type: 'ping', agent: 'a', count: '2' }, 'go with --capability'],
    [{ type: 'ping', capability: 'scan', count: '0' }, '--count'],
    [{ type: 'ping', capability: 'scan', labels: 'env' }, '--labels'],
    [{ type: 'ping', capability: 'scan', near: 'somewhere' }, '--near'],
    [{ type: 'ping', capability: 'scan', near: 'label:rack' }, '--near'],
  ])('refuses %j naming %s', (flags, text) => {
    expect(() => sendRequestBody(flags)).toThrow(UsageError);
    expect(() => sendRequestBody(flags)).toThrow(text);
  });
});

describe('watchProgress', () => {
  const command = (overrides: Partial<CommandJson>): CommandJson =>
    ({ id: 'c1', status: 'running', progress: null, children: null, ...overrides }) as CommandJson;

  it("counts a bulk command's finished children of all", () => {
    expect(
      watchProgress(
        command({
          status: 'running',
          children: { total: 5, byStatus: { succeeded: 2, failed: 1, running: 2 } },
        }),
      ),
    ).toEqual([3, 5, 'running']);
  });

  it("shows one command's reported percent and message, and 100 once it finished", () => {
    expect(watchProgress(command({ progress: { percent: 41.6, message: 'scanning /var' } }))).toEqual([
      42,
      100,
      'running: scanning /var',
    ]);
    expect(watchProgress(command({ status: 'succeeded', progress: { percent: 90, message: '' } }))).toEqual([
      100,
      100,
      'succeeded',
    ]);
  });
});
