// DesiredStateDistributor over real services: an unregistered agent's desired
// state is deleted (the drift check and the compliance counts stop seeing it,
// and nothing it still sends writes it back), and the drift check takes turns
// with flushes, so a report stored meanwhile is never overwritten.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contentHash } from '../../shared/canonical-json.js';
import { BUILT_IN_DEFAULTS } from './agent-configuration.js';
import {
  eventsOf,
  FLEET,
  openConfigurationTest,
  OPERATOR,
  type ConfigurationTest,
} from './configuration.fixtures.js';
import type { DesiredStateDistributor } from './desired-state-distributor.js';
import type { DesiredPart } from './desired-state.js';
import { configurationHash } from './layering.js';

const GRACE = 60_000;
const DEFAULT_HASH = configurationHash(BUILT_IN_DEFAULTS);
const NO_POLICIES_HASH = contentHash([]);

let c: ConfigurationTest;
let d: DesiredStateDistributor;

beforeEach(async () => {
  c = await openConfigurationTest(['a1', 'a2'], { configDriftGraceMs: GRACE });
  d = c.t.services.desiredState;
});
afterEach(() => c.close());

async function settle(): Promise<void> {
  await d.flush();
  await d.flush();
}
const stateOf = async (agentId: string) =>
  (await c.t.backends.db.configuration.desiredStates([agentId])).get(agentId);
const report = (agentId: string, part: DesiredPart, hash: string) =>
  d.report({ agentId, part, hash, applied: true, error: '' });

describe('an unregistered agent', () => {
  it('loses its desired state: no drift, no count, and nothing it still sends brings it back', async () => {
    d.agentConnected('a1');
    d.agentConnected('a2');
    await settle();
    expect((await c.t.services.configuration.compliance()).byCompliance).toMatchObject({ pending: 2 });

    await c.t.services.agents.unregister(OPERATOR, 'a1');
    expect(await stateOf('a1')).toBeUndefined();
    // Its stream is not closed yet in this test: a late report stores nothing, a change sends it nothing.
    report('a1', 'config', DEFAULT_HASH);
    c.link.take();
    await c.t.services.configuration.updateLayer(
      OPERATOR,
      FLEET,
      { document: { logLevel: 'warn' } },
      undefined,
    );
    await settle();
    expect(await stateOf('a1')).toBeUndefined();
    expect(c.link.take().map((s) => [s.agentId, s.kind])).toEqual([['a2', 'config']]);

    c.clock.advance(GRACE);
    expect(await d.driftCheck()).toBe(1);
    expect((await eventsOf(c.t, 'config_drifted')).map((e) => e.subject.id)).toEqual(['a2']);
    expect(await c.t.services.configuration.compliance()).toMatchObject({
      total: 1,
      byCompliance: { unknown: 0, pending: 0, compliant: 0, non_compliant: 1 },
    });
    expect((await c.t.backends.db.configuration.complianceCounts()).non_compliant).toBe(1);
  });

  it('unregistered while a flush is storing its report stays deleted', async () => {
    d.agentConnected('a1');
    await settle();
    report('a1', 'config', DEFAULT_HASH);
    report('a1', 'policy', NO_POLICIES_HASH);
    const flushing = d.flush();
    await c.t.services.agents.unregister(OPERATOR, 'a1');
    await flushing;
    await settle();
    expect(await stateOf('a1')).toBeUndefined();
  });
});

describe('the drift check', () => {
  it('takes turns with flushes: a report stored while it runs is not overwritten with drift', async () => {
    d.agentConnected('a1');
    await settle();
    c.clock.advance(GRACE);
    const store = c.t.backends.db.configuration;
    const read = store.pendingStates.bind(store);
    let flushed: Promise<void> | undefined;
    vi.spyOn(store, 'pendingStates').mockImplementation(async (limit) => {
      const pending = await read(limit);
      // The agent's reports arrive while the drift check holds what it read: their flush waits for it.
      report('a1', 'config', DEFAULT_HASH);
      report('a1', 'policy', NO_POLICIES_HASH);
      flushed = d.flush();
      await Promise.race([flushed, turns(50)]);
      return pending;
    });
    expect(await d.driftCheck()).toBe(1);
    await flushed;
    expect(await stateOf('a1')).toMatchObject({
      config: { appliedHash: DEFAULT_HASH, status: 'applied' },
      compliance: 'compliant',
    });
    expect((await eventsOf(c.t, 'compliance_changed')).map((e) => [e.data.from, e.data.to])).toEqual([
      ['unknown', 'pending'],
      ['pending', 'non_compliant'],
      ['non_compliant', 'compliant'],
    ]);
  });
});

/** Lets `n` turns of the event loop pass (enough for an unhindered flush on in-memory SQLite). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}
