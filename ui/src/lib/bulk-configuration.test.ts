import { describe, expect, it } from 'vitest';
import { bulkConfigurationBody } from './bulk-configuration';
import { EMPTY_TARGET } from './command-target';

describe('bulk configuration body', () => {
  it('targets agent ids (deduplicated), a group or labels, with the patch and a trimmed reason', () => {
    const agents = { ...EMPTY_TARGET, kind: 'agents' as const, agentIds: 'sim-1, sim-2\nsim-1' };
    expect(bulkConfigurationBody(agents, '{ "logLevel": "debug" }', ' rollout ')).toEqual({
      body: {
        target: { kind: 'agents', agentIds: ['sim-1', 'sim-2'] },
        patch: { logLevel: 'debug' },
        reason: 'rollout',
      },
    });
    const group = { ...EMPTY_TARGET, kind: 'group' as const, groupId: 'g1' };
    expect(bulkConfigurationBody(group, '{}', '')).toEqual({
      body: { target: { kind: 'group', groupId: 'g1' }, patch: {} },
    });
    const selector = { ...EMPTY_TARGET, kind: 'selector' as const, labels: 'env=prod' };
    expect(bulkConfigurationBody(selector, '{"a":1}', '')).toMatchObject({
      body: { target: { kind: 'selector', labels: { env: 'prod' } } },
    });
  });

  it('refuses a target the endpoint does not take, an empty target, and a patch that is not a JSON object', () => {
    const agents = { ...EMPTY_TARGET, kind: 'agents' as const, agentIds: 'sim-1' };
    expect(bulkConfigurationBody({ ...EMPTY_TARGET, agentId: 'sim-1' }, '{}', '')).toHaveProperty('error');
    expect(bulkConfigurationBody({ ...agents, agentIds: ' , ' }, '{}', '')).toEqual({
      error: 'Target: name at least one agent.',
    });
    expect(bulkConfigurationBody(agents, '{ logLevel: 1 }', '')).toHaveProperty('error');
    expect(bulkConfigurationBody(agents, '[1]', '')).toHaveProperty('error');
    expect(bulkConfigurationBody(agents, 'null', '')).toHaveProperty('error');
  });
});
