// DesiredStateDistributor over real services and a recording link: what a
// connected agent is sent (and when again), what its APPLIED / FAILED reports
// do to its stored state and compliance, the events they raise, and the drift
// check after the grace period.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../shared/canonical-json.js';
import { BUILT_IN_DEFAULTS, type ConfigurationLayer } from './agent-configuration.js';
import {
  agentScope,
  eventsOf,
  FLEET,
  openConfigurationTest,
  OPERATOR,
  type ConfigurationTest,
} from './configuration.fixtures.js';
import type { DesiredStateDistributor } from './desired-state-distributor.js';
import type { DesiredPart } from './desired-state.js';
import { configurationHash, effectiveConfiguration } from './layering.js';

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

/** Waits for everything queued so far to be stored and sent (a flush already running may predate it). */
async function settle(): Promise<void> {
  await d.flush();
  await d.flush();
}
const stateOf = async (agentId: string) =>
  (await c.t.backends.db.configuration.desiredStates([agentId])).get(agentId);
const report = (agentId: string, part: DesiredPart, hash: string, error = '') =>
  d.report({ agentId, part, hash, applied: error === '', error });
const setFleet = (document: ConfigurationLayer) =>
  c.t.services.configuration.updateLayer(OPERATOR, FLEET, { document }, undefined);
const complianceEvents = async () =>
  (await eventsOf(c.t, 'compliance_changed')).map((e) => [e.subject.id, e.data.from, e.data.to]);

/** Connects the agent and has it apply what it was sent. */
async function connectedAndCompliant(agentId: string): Promise<void> {
  d.agentConnected(agentId);
  await settle();
  const state = await stateOf(agentId);
  report(agentId, 'config', state!.config.desiredHash);
  report(agentId, 'policy', state!.policy.desiredHash);
  await settle();
  expect((await stateOf(agentId))?.compliance).toBe('compliant');
}

describe('on connect', () => {
  it('sends the agent its configuration and policy set and stores the state as pending', async () => {
    d.agentConnected('a1');
    await settle();
    expect(c.link.take()).toEqual([
      { agentId: 'a1', kind: 'config', hash: DEFAULT_HASH, config: BUILT_IN_DEFAULTS },
      { agentId: 'a1', kind: 'policy', hash: NO_POLICIES_HASH, policies: [] },
    ]);
    expect(await stateOf('a1')).toEqual({
      agentId: 'a1',
      config: {
        desiredHash: DEFAULT_HASH,
        sentAt: c.clock.now(),
        appliedHash: null,
        status: 'sent',
        error: null,
        reportedAt: null,
      },
      policy: {
        desiredHash: NO_POLICIES_HASH,
        sentAt: c.clock.now(),
        appliedHash: null,
        status: 'sent',
        error: null,
        reportedAt: null,
      },
      compliance: 'pending',
      complianceReason: 'waiting for the agent to apply its configuration and policy set',
      complianceChangedAt: c.clock.now(),
    });
    expect(await stateOf('a2')).toBeUndefined();
    expect(await complianceEvents()).toEqual([['a1', 'unknown', 'pending']]);
    const view = await c.t.services.configuration.agentView('a1');
    expect(view.upToDate).toBe(true);
    expect(view.state?.compliance).toBe('pending');
  });

  it('sends both again on a reconnect, without touching the stored state', async () => {
    await connectedAndCompliant('a1');
    const before = await stateOf('a1');
    c.link.take();
    d.agentDisconnected('a1');
    c.clock.advance(1_000);
    d.agentConnected('a1');
    await settle();
    expect(c.link.take().map((s) => [s.agentId, s.kind, s.hash])).toEqual([
      ['a1', 'config', DEFAULT_HASH],
      ['a1', 'policy', NO_POLICIES_HASH],
    ]);
    expect(await stateOf('a1')).toEqual(before);
  });
});

describe('reports', () => {
  it('APPLIED for both parts makes the agent compliant, with config_applied and policy_applied', async () => {
    d.agentConnected('a1');
    await settle();
    c.clock.advance(2_000);
    report('a1', 'config', DEFAULT_HASH);
    report('a1', 'policy', NO_POLICIES_HASH);
    await settle();
    expect(await stateOf('a1')).toMatchObject({
      config: { appliedHash: DEFAULT_HASH, status: 'applied', reportedAt: c.clock.now() },
      policy: { appliedHash: NO_POLICIES_HASH, status: 'applied' },
      compliance: 'compliant',
      complianceReason: '',
      complianceChangedAt: c.clock.now(),
    });
    expect(d.reportsStored).toBe(2);
    const applied = await eventsOf(c.t, 'config_applied');
    expect(applied.map((e) => [e.subject, e.actor, e.data])).toEqual([
      [{ kind: 'agent', id: 'a1' }, 'agent:a1', { hash: DEFAULT_HASH }],
    ]);
    expect((await eventsOf(c.t, 'policy_applied')).map((e) => e.subject.id)).toEqual(['a1']);
    expect(await complianceEvents()).toEqual([
      ['a1', 'unknown', 'pending'],
      ['a1', 'pending', 'compliant'],
    ]);
    expect((await c.t.services.configuration.compliance()).byCompliance).toMatchObject({
      compliant: 1,
      unknown: 1,
    });
  });

  it('FAILED makes the agent non_compliant with the error, and raises config_failed', async () => {
    d.agentConnected('a1');
    await settle();
    report('a1', 'policy', NO_POLICIES_HASH);
    report('a1', 'config', DEFAULT_HASH, 'maxConnections above the OS limit');
    await settle();
    expect(await stateOf('a1')).toMatchObject({
      config: { status: 'failed', error: 'maxConnections above the OS limit', appliedHash: null },
      compliance: 'non_compliant',
      complianceReason: 'configuration failed: maxConnections above the OS limit',
    });
    const failed = await eventsOf(c.t, 'config_failed');
    expect(failed.map((e) => e.data)).toEqual([
      { hash: DEFAULT_HASH, error: 'maxConnections above the OS limit' },
    ]);
    expect(await complianceEvents()).toEqual([
      ['a1', 'unknown', 'pending'],
      ['a1', 'pending', 'non_compliant'],
    ]);
  });

  it('a report on a hash the agent was not sent only records what it runs: still pending, no event', async () => {
    d.agentConnected('a1');
    await settle();
    report('a1', 'config', 'f'.repeat(64));
    report('a1', 'config', 'e'.repeat(64), 'broken');
    await settle();
    expect(await stateOf('a1')).toMatchObject({
      config: { desiredHash: DEFAULT_HASH, appliedHash: 'f'.repeat(64), status: 'sent', error: null },
      compliance: 'pending',
    });
    expect(await eventsOf(c.t, 'config_applied')).toEqual([]);
    expect(await eventsOf(c.t, 'config_failed')).toEqual([]);
  });

  it('a late report on the previous configuration does not make an agent that was sent a new one compliant', async () => {
    await connectedAndCompliant('a1');
    await setFleet({ logLevel: 'debug' });
    await settle();
    report('a1', 'config', DEFAULT_HASH);
    await settle();
    expect(await stateOf('a1')).toMatchObject({
      config: { appliedHash: DEFAULT_HASH, status: 'sent' },
      compliance: 'pending',
    });
  });

  it('a report from an agent that was never sent anything is dropped', async () => {
    report('a2', 'config', DEFAULT_HASH);
    await settle();
    expect(await stateOf('a2')).toBeUndefined();
    expect(await eventsOf(c.t, 'config_applied')).toEqual([]);
  });
});

describe('when configuration changes', () => {
  it('sends connected agents the new configuration only (the policy set is unchanged) and none to others', async () => {
    await connectedAndCompliant('a1');
    c.link.take();
    c.clock.advance(5_000);
    await setFleet({ logLevel: 'debug', reportIntervalSeconds: 30 });
    await settle();
    const expected = effectiveConfiguration([{ logLevel: 'debug', reportIntervalSeconds: 30 }]);
    expect(c.link.take()).toEqual([
      { agentId: 'a1', kind: 'config', hash: configurationHash(expected), config: expected },
    ]);
    expect(await stateOf('a1')).toMatchObject({
      config: { desiredHash: configurationHash(expected), appliedHash: DEFAULT_HASH, sentAt: c.clock.now() },
      policy: { status: 'applied' },
      compliance: 'pending',
      complianceReason: 'waiting for the agent to apply its configuration',
    });
    expect(await stateOf('a2')).toBeUndefined();
  });

  it("an agent's own layer goes to that agent alone, and waits for a disconnected one to connect", async () => {
    await connectedAndCompliant('a1');
    c.link.take();
    const update = (id: string) =>
      c.t.services.configuration.updateLayer(
        OPERATOR,
        agentScope(id),
        { document: { logLevel: 'warn' } },
        undefined,
      );
    await update('a2');
    await settle();
    expect(c.link.take()).toEqual([]);
    await update('a1');
    await settle();
    expect(c.link.take().map((s) => [s.agentId, s.kind])).toEqual([['a1', 'config']]);
    d.agentConnected('a2');
    await settle();
    const sent = c.link.take();
    expect(sent.map((s) => [s.agentId, s.kind])).toEqual([
      ['a2', 'config'],
      ['a2', 'policy'],
    ]);
    expect(sent[0]).toMatchObject({ config: { logLevel: 'warn' } });
  });
});

describe('driftCheck', () => {
  it('turns an agent that has not applied within the grace period non_compliant (drift), once', async () => {
    d.agentConnected('a1');
    await settle();
    c.clock.advance(GRACE - 1);
    expect(await d.driftCheck()).toBe(0);
    expect((await stateOf('a1'))?.compliance).toBe('pending');
    c.clock.advance(1);
    expect(await d.driftCheck()).toBe(1);
    expect(await stateOf('a1')).toMatchObject({
      compliance: 'non_compliant',
      complianceReason: 'configuration and policy set not applied within 60 s (drift)',
      complianceChangedAt: c.clock.now(),
    });
    const drifted = await eventsOf(c.t, 'config_drifted');
    expect(drifted.map((e) => [e.subject.id, e.data.reason])).toEqual([
      ['a1', 'configuration and policy set not applied within 60 s (drift)'],
    ]);
    expect(await complianceEvents()).toEqual([
      ['a1', 'unknown', 'pending'],
      ['a1', 'pending', 'non_compliant'],
    ]);
    expect(await d.driftCheck()).toBe(0);
  });

  it('leaves compliant agents alone, and a drifted agent that applies becomes compliant', async () => {
    await connectedAndCompliant('a1');
    d.agentConnected('a2');
    await settle();
    c.clock.advance(GRACE * 2);
    expect(await d.driftCheck()).toBe(1);
    expect((await stateOf('a1'))?.compliance).toBe('compliant');
    report('a2', 'config', DEFAULT_HASH);
    report('a2', 'policy', NO_POLICIES_HASH);
    await settle();
    expect((await stateOf('a2'))?.compliance).toBe('compliant');
  });
});
