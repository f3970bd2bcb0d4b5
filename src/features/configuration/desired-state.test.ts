// The compliance rules: sent → pending → compliant, a refusal or a silence past
// the grace period → non_compliant with the reason, and which reports count.
import { describe, expect, it } from 'vitest';
import {
  assess,
  Compliance,
  reported,
  sent,
  withCompliance,
  type PartState,
  type UnassessedState,
} from './desired-state.js';

const T0 = Date.UTC(2026, 0, 1);
const GRACE = 60_000;
const [C1, C2, P1] = ['c'.repeat(64), 'd'.repeat(64), 'e'.repeat(64)];

/** A state just sent C1 and P1 at T0, never reported on. */
const fresh = (): UnassessedState => ({
  agentId: 'a1',
  config: sent(undefined, C1, T0),
  policy: sent(undefined, P1, T0),
});
const applyBoth = (state: UnassessedState, at = T0 + 1_000): UnassessedState => ({
  ...state,
  config: reported(state.config, state.config.desiredHash, true, '', at),
  policy: reported(state.policy, state.policy.desiredHash, true, '', at),
});

describe('sent', () => {
  it('starts a part as sent, not applied, at the time given', () => {
    expect(sent(undefined, C1, T0)).toEqual<PartState>({
      desiredHash: C1,
      sentAt: T0,
      appliedHash: null,
      status: 'sent',
      error: null,
      reportedAt: null,
    });
  });

  it('keeps the part as it is when the same hash is sent again', () => {
    const applied = reported(sent(undefined, C1, T0), C1, true, '', T0 + 5);
    expect(sent(applied, C1, T0 + 999_999)).toBe(applied);
    const failed = reported(sent(undefined, C1, T0), C1, false, 'bad', T0 + 5);
    expect(sent(failed, C1, T0 + 999_999)).toBe(failed);
  });

  it('a new hash starts over (sent, error cleared) but remembers what the agent runs', () => {
    const failed = reported(sent(undefined, C1, T0), C1, false, 'bad', T0 + 5);
    expect(sent(failed, C2, T0 + 10)).toEqual<PartState>({
      desiredHash: C2,
      sentAt: T0 + 10,
      appliedHash: null,
      status: 'sent',
      error: null,
      reportedAt: T0 + 5,
    });
  });

  it('going back to the hash the agent already runs is applied at once', () => {
    const onC1 = reported(sent(undefined, C1, T0), C1, true, '', T0 + 5);
    const onC2 = sent(onC1, C2, T0 + 10);
    expect(onC2.status).toBe('sent');
    expect(sent(onC2, C1, T0 + 20)).toMatchObject({ desiredHash: C1, appliedHash: C1, status: 'applied' });
  });
});

describe('reported', () => {
  it('APPLIED on the desired hash marks it applied', () => {
    expect(reported(sent(undefined, C1, T0), C1, true, '', T0 + 7)).toMatchObject({
      appliedHash: C1,
      status: 'applied',
      error: null,
      reportedAt: T0 + 7,
    });
  });

  it('FAILED on the desired hash keeps the error (or says none was given)', () => {
    const part = sent(undefined, C1, T0);
    expect(reported(part, C1, false, 'port in use', T0 + 7)).toMatchObject({
      appliedHash: null,
      status: 'failed',
      error: 'port in use',
    });
    expect(reported(part, C1, false, '', T0 + 7).error).toBe('no reason given');
  });

  it('a report on another hash only says what the agent runs: the status stays', () => {
    const part = sent(undefined, C2, T0);
    expect(reported(part, C1, true, '', T0 + 7)).toEqual({ ...part, appliedHash: C1, reportedAt: T0 + 7 });
    expect(reported(part, C1, false, 'old one broke', T0 + 7)).toEqual({ ...part, reportedAt: T0 + 7 });
  });
});

describe('assess', () => {
  it('is pending while the agent has not answered within the grace period, naming what it waits for', () => {
    expect(assess(fresh(), T0 + GRACE - 1, GRACE)).toEqual({
      compliance: Compliance.Pending,
      reason: 'waiting for the agent to apply its configuration and policy set',
    });
    const configOnly = { ...fresh(), policy: reported(fresh().policy, P1, true, '', T0) };
    expect(assess(configOnly, T0, GRACE).reason).toBe('waiting for the agent to apply its configuration');
  });

  it('is compliant once both parts run their desired hash', () => {
    expect(assess(applyBoth(fresh()), T0 + 10 * GRACE, GRACE)).toEqual({
      compliance: Compliance.Compliant,
      reason: '',
    });
  });

  it('is non_compliant with the error when a part failed, whatever the time', () => {
    const state = {
      ...applyBoth(fresh()),
      policy: reported(fresh().policy, P1, false, 'rule 3 invalid', T0),
    };
    expect(assess(state, T0, GRACE)).toEqual({
      compliance: Compliance.NonCompliant,
      reason: 'policy set failed: rule 3 invalid',
    });
  });

  it('is non_compliant (drift) once the oldest unapplied part is past the grace period', () => {
    const state = {
      ...fresh(),
      config: sent(undefined, C1, T0 + 30_000),
      policy: sent(undefined, P1, T0),
    };
    expect(assess(state, T0 + GRACE - 1, GRACE).compliance).toBe(Compliance.Pending);
    expect(assess(state, T0 + GRACE, GRACE)).toEqual({
      compliance: Compliance.NonCompliant,
      reason: 'configuration and policy set not applied within 60 s (drift)',
    });
  });
});

describe('withCompliance', () => {
  it('goes unknown → pending → compliant, stamping each change', () => {
    const first = withCompliance(fresh(), T0, GRACE);
    expect(first).toMatchObject({ changed: true, from: Compliance.Unknown });
    expect(first.state).toMatchObject({ compliance: Compliance.Pending, complianceChangedAt: T0 });

    const again = withCompliance(first.state, T0 + 5, GRACE);
    expect(again).toMatchObject({ changed: false, from: Compliance.Pending });
    expect(again.state.complianceChangedAt).toBe(T0);

    const done = withCompliance(applyBoth(first.state, T0 + 9), T0 + 9, GRACE);
    expect(done).toMatchObject({ changed: true, from: Compliance.Pending });
    expect(done.state).toMatchObject({
      compliance: Compliance.Compliant,
      complianceReason: '',
      complianceChangedAt: T0 + 9,
    });
  });

  it('turns a failed part non_compliant with the reason', () => {
    const pending = withCompliance(fresh(), T0, GRACE).state;
    const failed = { ...pending, config: reported(pending.config, C1, false, 'disk full', T0 + 3) };
    expect(withCompliance(failed, T0 + 3, GRACE)).toMatchObject({
      changed: true,
      from: Compliance.Pending,
      state: { compliance: Compliance.NonCompliant, complianceReason: 'configuration failed: disk full' },
    });
  });

  it('turns a silent agent non_compliant (drift) after the grace period, and back once it applies', () => {
    const pending = withCompliance(fresh(), T0, GRACE).state;
    const drifted = withCompliance(pending, T0 + GRACE + 1, GRACE);
    expect(drifted).toMatchObject({ changed: true, state: { compliance: Compliance.NonCompliant } });
    expect(drifted.state.complianceReason).toMatch(/\(drift\)$/);
    const back = withCompliance(applyBoth(drifted.state, T0 + GRACE + 2), T0 + GRACE + 2, GRACE);
    expect(back).toMatchObject({ changed: true, from: Compliance.NonCompliant });
    expect(back.state.compliance).toBe(Compliance.Compliant);
  });

  it('a report on an older hash does not make a pending agent compliant', () => {
    const pending = withCompliance(applyBoth(fresh()), T0 + 2, GRACE).state;
    const resent = { ...pending, config: sent(pending.config, C2, T0 + 10) };
    const moved = withCompliance(resent, T0 + 10, GRACE).state;
    expect(moved.compliance).toBe(Compliance.Pending);
    const oldReport = { ...moved, config: reported(moved.config, C1, true, '', T0 + 11) };
    expect(oldReport.config).toMatchObject({ desiredHash: C2, appliedHash: C1, status: 'sent' });
    expect(withCompliance(oldReport, T0 + 11, GRACE)).toMatchObject({
      changed: false,
      state: { compliance: Compliance.Pending },
    });
  });

  it('keeps a compliant state as it is when the same hashes are sent again', () => {
    const compliant = withCompliance(applyBoth(fresh()), T0 + 2, GRACE).state;
    const resent = {
      ...compliant,
      config: sent(compliant.config, C1, T0 + GRACE * 5),
      policy: sent(compliant.policy, P1, T0 + GRACE * 5),
    };
    expect(withCompliance(resent, T0 + GRACE * 5, GRACE)).toEqual({
      changed: false,
      from: Compliance.Compliant,
      state: compliant,
    });
  });
});
