// Layer changes that would give an agent an invalid effective configuration
// (metadata over 64 entries once layers merge, or a bulk-merged layer over the
// layer caps) are refused before anything is stored, naming `patch` or
// `document`; changes that add no metadata key are never held up by them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import type { ConfigurationLayer } from './agent-configuration.js';
import type { ConfigurationService } from './configuration-service.js';
import type { ConfigScope } from './configuration-store.js';
import {
  agentScope,
  auditOf,
  failure,
  FLEET,
  openConfigurationTest,
  OPERATOR,
  type ConfigurationTest,
} from './configuration.fixtures.js';

let c: ConfigurationTest;
let config: ConfigurationService;
beforeEach(async () => {
  c = await openConfigurationTest(['p1', 'd1']);
  config = c.t.services.configuration;
});
afterEach(() => c.close());

/** `n` metadata entries named `<prefix>-<i>`, values `length` characters long. */
const metadata = (prefix: string, n: number, length = 1): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}-${i}`, 'v'.repeat(length)]));
const put = (scope: ConfigScope, document: ConfigurationLayer) =>
  config.updateLayer(OPERATOR, scope, { document }, undefined);
const bulk = (agentIds: string[], patch: ConfigurationLayer) =>
  config.bulkUpdate(OPERATOR, { target: { kind: 'agents', agentIds }, patch });
const revisionOf = async (scope: ConfigScope) => (await config.getLayer(scope)).revision;

describe('bulk updates', () => {
  it('refuse a patch whose merge into an agent layer exceeds 64 metadata entries, storing nothing', async () => {
    await put(agentScope('p1'), { metadata: metadata('own', 40) });
    const error = await failure(bulk(['d1', 'p1'], { logLevel: 'debug', metadata: metadata('new', 30) }));
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.violations).toEqual([
      { field: 'patch.metadata', description: 'at most 64 entries (merged into the layer of agent "p1")' },
    ]);
    expect([await revisionOf(agentScope('p1')), await revisionOf(agentScope('d1'))]).toEqual([1, 0]);
    expect(await auditOf(c.t, 'configuration.bulk_update')).toEqual([['failure', 'invalid_argument']]);
  });

  it('refuse a patch whose merge into an agent layer is over 16 KiB of JSON', async () => {
    await put(agentScope('p1'), { metadata: metadata('own', 50, 250) });
    const error = await failure(bulk(['p1'], { metadata: metadata('new', 14, 250) }));
    expect(error.violations).toEqual([
      {
        field: 'patch',
        description: expect.stringMatching(
          /^merged into the layer of agent "p1", gives \d+ bytes of JSON; at most 16384$/,
        ),
      },
    ]);
    expect(await revisionOf(agentScope('p1'))).toBe(1);
  });

  it('refuse a patch that fits the layer but not the effective configuration, naming the agent', async () => {
    await put(FLEET, { metadata: metadata('fleet', 40) });
    const error = await failure(bulk(['d1', 'p1'], { metadata: metadata('new', 30) }));
    expect(error.violations).toEqual([
      {
        field: 'patch.metadata',
        description:
          'at most 64 entries in the effective configuration of agent "d1", merged with its other layers (and 1 more agents)',
      },
    ]);
    expect(await revisionOf(agentScope('d1'))).toBe(0);
    // Removing fleet keys with null keeps it within the cap.
    const nulls = Object.fromEntries(Object.keys(metadata('fleet', 10)).map((k) => [k, null]));
    expect(await bulk(['d1', 'p1'], { metadata: { ...metadata('new', 30), ...nulls } })).toHaveLength(2);
  });
});

describe('layer replacements', () => {
  it('refuse an agent or group layer that exceeds the cap with the fleet layer, and accept one that fits', async () => {
    await put(FLEET, { metadata: metadata('fleet', 40) });
    const agentError = await failure(put(agentScope('p1'), { metadata: metadata('own', 30) }));
    expect(agentError.violations).toEqual([
      {
        field: 'document.metadata',
        description:
          'at most 64 entries in the effective configuration of agent "p1", merged with its other layers',
      },
    ]);
    // An empty group: its future members would get the fleet's 40 entries and its 30.
    const group = await c.t.services.groups.create(OPERATOR, { name: 'empty', kind: 'static' });
    const groupError = await failure(
      put({ kind: 'group', id: group.id }, { metadata: metadata('group', 30) }),
    );
    expect(groupError.violations).toEqual([
      { field: 'document.metadata', description: 'at most 64 entries once merged with the fleet layer' },
    ]);
    expect(await revisionOf({ kind: 'group', id: group.id })).toBe(0);
    expect((await put(agentScope('p1'), { metadata: metadata('own', 24) })).revision).toBe(1);
    expect(Object.keys((await config.agentView('p1')).desired.config.metadata)).toHaveLength(64);
  });

  it('refuse a fleet change adding keys that would break an agent, but not one that adds none', async () => {
    const group = await c.t.services.groups.create(OPERATOR, { name: 'tagged', kind: 'static' });
    await put({ kind: 'group', id: group.id }, { metadata: metadata('group', 40) });
    await put(FLEET, { metadata: metadata('fleet', 20) });
    await put(agentScope('p1'), { metadata: metadata('own', 10) });
    // Joining the group is not refused: p1's effective configuration now has 70 entries (it will refuse it).
    await c.t.services.groups.addMembers(OPERATOR, group.id, { agentIds: ['p1'] });
    expect(Object.keys((await config.agentView('p1')).desired.config.metadata)).toHaveLength(70);

    expect((await put(FLEET, { logLevel: 'debug', metadata: metadata('fleet', 20) })).revision).toBe(2);
    const error = await failure(put(FLEET, { metadata: metadata('fleet', 21) }));
    expect(error.violations).toEqual([
      {
        field: 'document.metadata',
        description:
          'at most 64 entries in the effective configuration of agent "p1", merged with its other layers',
      },
    ]);
    expect(await revisionOf(FLEET)).toBe(2);
  });
});
