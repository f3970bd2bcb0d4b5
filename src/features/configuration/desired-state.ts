// What an agent should run (the hashes it was last sent), what it reported
// running, and the compliance that follows. Compliance is its own fact, apart
// from connectivity and health (ADR 0005): an agent is compliant when it runs
// the configuration and the policy set it was sent, pending while it has not
// answered yet within the grace period, and non-compliant when it refused one
// or stayed silent past the grace period (drift). Pure rules, no I/O.

export const Compliance = {
  /** Nothing was sent to the agent yet (it has not been online since). */
  Unknown: 'unknown',
  Pending: 'pending',
  Compliant: 'compliant',
  NonCompliant: 'non_compliant',
} as const;
export type Compliance = (typeof Compliance)[keyof typeof Compliance];
export const COMPLIANCE_VALUES = Object.values(Compliance);

export type ApplyStatus = 'sent' | 'applied' | 'failed';

/** One of the two things an agent is sent: its configuration or its policy set. */
export interface PartState {
  readonly desiredHash: string;
  readonly sentAt: number;
  /** What the agent last reported running; null before it reported. */
  readonly appliedHash: string | null;
  /** `sent` until the agent reports on the desired hash. */
  readonly status: ApplyStatus;
  readonly error: string | null;
  readonly reportedAt: number | null;
}

export interface DesiredState {
  readonly agentId: string;
  readonly config: PartState;
  readonly policy: PartState;
  readonly compliance: Compliance;
  readonly complianceReason: string;
  readonly complianceChangedAt: number;
}

export type DesiredPart = 'config' | 'policy';
const PART_NAME: Readonly<Record<DesiredPart, string>> = { config: 'configuration', policy: 'policy set' };

/** The compliance of a state at `now`, with the reason an operator reads. */
export function assess(
  state: Pick<DesiredState, 'config' | 'policy'>,
  now: number,
  graceMs: number,
): { compliance: Compliance; reason: string } {
  for (const part of ['config', 'policy'] as const) {
    const p = state[part];
    if (p.status === 'failed')
      return {
        compliance: Compliance.NonCompliant,
        reason: `${PART_NAME[part]} failed: ${p.error ?? 'no reason given'}`,
      };
  }
  const waiting = (['config', 'policy'] as const).filter(
    (part) => state[part].appliedHash !== state[part].desiredHash,
  );
  if (waiting.length === 0) return { compliance: Compliance.Compliant, reason: '' };
  const names = waiting.map((part) => PART_NAME[part]).join(' and ');
  const oldest = Math.min(...waiting.map((part) => state[part].sentAt));
  return now - oldest < graceMs
    ? { compliance: Compliance.Pending, reason: `waiting for the agent to apply its ${names}` }
    : {
        compliance: Compliance.NonCompliant,
        reason: `${names} not applied within ${Math.round(graceMs / 1000)} s (drift)`,
      };
}

/** A state after sending `hash` for `part` (kept as is when the agent already runs it). */
export function sent(part: PartState | undefined, hash: string, now: number): PartState {
  if (part && part.desiredHash === hash) return part;
  return {
    desiredHash: hash,
    sentAt: now,
    appliedHash: part?.appliedHash ?? null,
    status: part?.appliedHash === hash ? 'applied' : 'sent',
    error: null,
    reportedAt: part?.reportedAt ?? null,
  };
}

/**
 * A state after the agent reported on `hash`. A report on an older hash only
 * says what the agent runs now; the outcome counts for the desired hash alone.
 */
export function reported(
  part: PartState,
  hash: string,
  applied: boolean,
  error: string,
  now: number,
): PartState {
  if (hash !== part.desiredHash)
    return applied ? { ...part, appliedHash: hash, reportedAt: now } : { ...part, reportedAt: now };
  return applied
    ? { ...part, appliedHash: hash, status: 'applied', error: null, reportedAt: now }
    : { ...part, status: 'failed', error: error || 'no reason given', reportedAt: now };
}

/** A state whose compliance may not be assessed yet (a new one, or one just changed). */
export type UnassessedState = Omit<DesiredState, 'compliance' | 'complianceReason' | 'complianceChangedAt'> &
  Partial<Pick<DesiredState, 'compliance' | 'complianceReason' | 'complianceChangedAt'>>;

/** The state with its compliance brought up to date; `changed` when the compliance moved. */
export function withCompliance(
  state: UnassessedState,
  now: number,
  graceMs: number,
): { state: DesiredState; changed: boolean; from: Compliance } {
  const { compliance, reason } = assess(state, now, graceMs);
  const from = state.compliance ?? Compliance.Unknown;
  const changed = from !== compliance;
  return {
    state: {
      ...state,
      compliance,
      complianceReason: reason,
      complianceChangedAt: changed ? now : (state.complianceChangedAt ?? now),
    },
    changed,
    from,
  };
}
