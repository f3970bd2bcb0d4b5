import { describe, expect, it } from 'vitest';
import { buildTarget, EMPTY_TARGET, parseLabels } from './command-target';

describe('command targets', () => {
  it('builds each kind of target', () => {
    expect(buildTarget({ ...EMPTY_TARGET, agentId: ' a-1 ' })).toEqual({
      target: { kind: 'agent', agentId: 'a-1' },
    });
    expect(buildTarget({ ...EMPTY_TARGET, kind: 'agents', agentIds: 'a-1\na-2, a-1  a-3' })).toEqual({
      target: { kind: 'agents', agentIds: ['a-1', 'a-2', 'a-3'] },
    });
    expect(buildTarget({ ...EMPTY_TARGET, kind: 'group', groupId: 'g1' })).toEqual({
      target: { kind: 'group', groupId: 'g1' },
    });
    expect(buildTarget({ ...EMPTY_TARGET, kind: 'selector', labels: 'env=prod, team = red' })).toEqual({
      target: { kind: 'selector', labels: { env: 'prod', team: 'red' } },
    });
    expect(buildTarget({ ...EMPTY_TARGET, kind: 'capability', capability: 'scan', count: '5' })).toEqual({
      target: { kind: 'capability', capability: 'scan', count: 5 },
    });
  });

  it('says what is missing', () => {
    expect(buildTarget(EMPTY_TARGET)).toEqual({ error: 'name an agent' });
    expect(buildTarget({ ...EMPTY_TARGET, kind: 'agents', agentIds: ' , ' })).toHaveProperty('error');
    expect(buildTarget({ ...EMPTY_TARGET, kind: 'selector', labels: 'env' })).toHaveProperty('error');
    expect(
      buildTarget({ ...EMPTY_TARGET, kind: 'capability', capability: 'scan', count: '0' }),
    ).toHaveProperty('error');
  });

  it('parses labels', () => {
    expect(parseLabels('')).toEqual({});
    expect(parseLabels('a=b=c')).toEqual({ a: 'b=c' });
    expect(parseLabels('=x')).toBeUndefined();
  });
});
