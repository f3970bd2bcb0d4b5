// Non-compliance end to end in one process: a real reference agent refuses a
// group layer it cannot run (FAILED with its reason) and the server shows it
// failed and non-compliant, with config_failed and compliance_changed events;
// a fix at the agent's own layer brings it back to applied and compliant. An
// agent that connects but never answers (a bare gRPC client) drifts past
// CONFIG_DRIFT_GRACE, and its late report clears the drift.
import { afterEach, describe, expect, it } from 'vitest';
import { EventType } from '../events/event.js';
import { admin, startConvergence, until, type Convergence } from './convergence.fixtures.js';

let c: Convergence | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

// Above the built-in eventBufferKiB (4096), so the defaults fit.
const BUDGET_KIB = 8_192;
const FITS_KIB = 6_144;

describe('an agent that refuses its configuration', () => {
  it('shows as failed and non-compliant with its reason, and compliant again once the layer is fixed', async () => {
    const t = (c = await startConvergence());
    const tight = t.agent('tight-1', { maxEventBufferKiB: BUDGET_KIB });
    const roomy = t.agent('roomy-1');
    await until(() => {
      for (const agent of [tight, roomy]) expect(agent.stats.configurationsApplied).toBe(1);
    });
    const fleet = tight.stats.configHash;
    await until(async () => expect((await t.stateOf('tight-1'))?.compliance).toBe('compliant'));

    const group = await t.corral.services.groups.create(admin, { name: 'big-buffers', kind: 'static' });
    await t.corral.services.groups.addMembers(admin, group.id, { agentIds: ['tight-1', 'roomy-1'] });
    await t.corral.services.configuration.updateLayer(
      admin,
      { kind: 'group', id: group.id },
      { document: { bufferSizes: { eventBufferKiB: 2 * BUDGET_KIB } } },
      undefined,
    );

    // The agent refuses and keeps what it ran; the other member applies.
    await until(() => expect(tight.stats.configurationsFailed).toBe(1));
    expect(tight.stats.configHash).toBe(fleet);
    await until(() => expect(roomy.stats.configuration?.bufferSizes.eventBufferKiB).toBe(2 * BUDGET_KIB));
    const reason = `bufferSizes.eventBufferKiB: ${2 * BUDGET_KIB} KiB is above this agent's memory budget of ${BUDGET_KIB} KiB`;
    await until(async () => {
      const state = await t.stateOf('tight-1');
      expect(state).toMatchObject({
        config: { appliedHash: fleet, status: 'failed' },
        compliance: 'non_compliant',
      });
      expect(state?.config.error).toContain(reason);
      expect(state?.complianceReason).toBe(`configuration failed: ${state?.config.error}`);
    });
    const view = await t.http<{
      applied: {
        configuration: { status: string; error: string };
        compliance: string;
        complianceReason: string;
      };
    }>('GET', '/api/v1/agents/tight-1/configuration');
    expect(view.body.applied).toMatchObject({
      configuration: { status: 'failed' },
      compliance: 'non_compliant',
    });
    expect(view.body.applied.complianceReason).toContain(reason);
    await until(async () =>
      expect((await t.corral.services.configuration.groupCompliance(group.id)).byCompliance).toMatchObject({
        compliant: 1,
        non_compliant: 1,
      }),
    );
    const failedEvents = await t.eventsOf('tight-1', [EventType.ConfigFailed, EventType.ComplianceChanged]);
    expect(failedEvents).toContainEqual({
      type: EventType.ConfigFailed,
      data: { hash: expect.any(String), error: expect.stringContaining(reason) },
    });
    expect(failedEvents).toContainEqual({
      type: EventType.ComplianceChanged,
      data: { from: 'pending', to: 'non_compliant', reason: expect.stringContaining(reason) },
    });

    // The agent's own layer wins over the group's: a size it can hold. Applied, compliant, drift cleared.
    await t.corral.services.configuration.updateLayer(
      admin,
      { kind: 'agent', id: 'tight-1' },
      { document: { bufferSizes: { eventBufferKiB: FITS_KIB } } },
      undefined,
    );
    await until(() => expect(tight.stats.configuration?.bufferSizes.eventBufferKiB).toBe(FITS_KIB));
    const fixed = (await t.corral.services.configuration.agentView('tight-1')).desired.hash;
    expect(tight.stats.configHash).toBe(fixed);
    await until(async () =>
      expect(await t.stateOf('tight-1')).toMatchObject({
        config: { desiredHash: fixed, appliedHash: fixed, status: 'applied', error: null },
        compliance: 'compliant',
        complianceReason: '',
      }),
    );
    // non_compliant → pending (sent the fix) → compliant (applied).
    expect((await t.eventsOf('tight-1', [EventType.ComplianceChanged])).slice(-2)).toEqual([
      {
        type: EventType.ComplianceChanged,
        data: { from: 'non_compliant', to: 'pending', reason: expect.any(String) },
      },
      { type: EventType.ComplianceChanged, data: { from: 'pending', to: 'compliant', reason: '' } },
    ]);
    expect((await t.corral.services.configuration.groupCompliance(group.id)).byCompliance).toMatchObject({
      compliant: 2,
      non_compliant: 0,
    });
  });
});

describe('an agent that never answers', () => {
  it('drifts past CONFIG_DRIFT_GRACE, and its late report clears the drift', async () => {
    const t = (c = await startConvergence({ CONFIG_DRIFT_GRACE: '1s' }));
    const mute = await t.silentAgent('mute-1');
    const talker = t.agent('talker-1');
    // It was sent both parts over the real stream, and the server waits for it.
    await until(() => {
      expect(mute.received.some((m) => m.configuration)).toBe(true);
      expect(mute.received.some((m) => m.policies)).toBe(true);
    });
    const sent = mute.received.find((m) => m.configuration)?.configuration;
    const policies = mute.received.find((m) => m.policies)?.policies;

    await until(async () => {
      const state = await t.stateOf('mute-1');
      expect(state).toMatchObject({
        config: { desiredHash: sent?.hash, appliedHash: null, status: 'sent' },
        compliance: 'non_compliant',
      });
      expect(state?.complianceReason).toMatch(/not applied within 1 s \(drift\)$/);
    });
    // Reads assess compliance as they read; the drift check stores it, with its events.
    await until(async () => {
      const events = await t.eventsOf('mute-1', [EventType.ConfigDrifted, EventType.ComplianceChanged]);
      expect(events).toContainEqual({
        type: EventType.ConfigDrifted,
        data: { reason: expect.stringMatching(/\(drift\)$/) },
      });
      expect(events).toContainEqual({
        type: EventType.ComplianceChanged,
        data: { from: 'pending', to: 'non_compliant', reason: expect.stringMatching(/\(drift\)$/) },
      });
    });
    expect((await t.corral.services.configuration.compliance()).byCompliance).toMatchObject({
      non_compliant: 1,
    });
    // The agent that answers is not touched by the drift check.
    await until(async () => expect((await t.stateOf('talker-1'))?.compliance).toBe('compliant'));
    expect(talker.stats.configurationsFailed).toBe(0);

    // Late, it reports both applied: compliant.
    mute.send({ configurationReport: { hash: sent?.hash ?? '', outcome: 'APPLY_OUTCOME_APPLIED' } });
    mute.send({ policyReport: { hash: policies?.hash ?? '', outcome: 'APPLY_OUTCOME_APPLIED' } });
    await until(async () =>
      expect(await t.stateOf('mute-1')).toMatchObject({
        config: { appliedHash: sent?.hash, status: 'applied' },
        policy: { appliedHash: policies?.hash, status: 'applied' },
        compliance: 'compliant',
      }),
    );
    expect((await t.corral.services.configuration.compliance()).byCompliance).toMatchObject({
      compliant: 2,
      non_compliant: 0,
    });
  });
});
