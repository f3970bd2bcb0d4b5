// Applies the security policy set the server sends (PolicySetUpdate), or
// refuses it naming the policy and the reason. Each policy's rules_json must be
// a JSON object; a policy in `enforce` mode whose rules block or rate-limit
// needs the agent to have the `block` capability (a policy it cannot enforce
// would leave the operator believing traffic is stopped when it is not);
// `monitor` mode only observes and never needs it. The rules document is
// otherwise read leniently: the server owns its schema, and an agent built
// before a new field must not refuse it. The set is all or nothing: one policy
// the agent cannot run refuses the set, and the previous set stays.
import type { AgentPolicy__Output } from '../../gen/proto/corral/agent/v1/AgentPolicy.js';
import type { PolicySetUpdate__Output } from '../../gen/proto/corral/agent/v1/PolicySetUpdate.js';
import type { Clock } from '../../shared/clock.js';
import type { ApplyResult, RunningPolicy, RunningPolicySet } from './desired-state-types.js';

export interface PolicyApplierOptions {
  /** The agent's capabilities, as stated in its facts. */
  readonly capabilities: readonly string[];
  readonly clock: Clock;
}

const MODES = ['enforce', 'monitor'] as const;
/** Actions that stop or throttle traffic: only an agent that can block enforces them. */
const BLOCKING_ACTIONS = new Set(['block', 'rate_limit']);
export const BLOCK_CAPABILITY = 'block';

export class PolicyApplier {
  private current: RunningPolicySet | undefined;

  constructor(private readonly options: PolicyApplierOptions) {}

  /** The policy set the agent runs now; undefined until one was applied. */
  get running(): RunningPolicySet | undefined {
    return this.current;
  }

  apply(update: PolicySetUpdate__Output): ApplyResult {
    const { hash } = update;
    if (this.current?.hash === hash) return { hash, applied: true, error: '', unchanged: true };
    const problems: string[] = [];
    const policies: RunningPolicy[] = [];
    for (const policy of update.policies) {
      const checked = this.check(policy);
      if (typeof checked === 'string') problems.push(`policy ${JSON.stringify(policy.policyId)}: ${checked}`);
      else policies.push(checked);
    }
    if (problems.length > 0)
      return { hash, applied: false, error: `policy set refused: ${problems.join('; ')}`, unchanged: false };
    this.current = Object.freeze({
      hash,
      policies: Object.freeze(policies.map((p) => Object.freeze(p))),
      appliedAtMs: this.options.clock.now(),
    });
    return { hash, applied: true, error: '', unchanged: false };
  }

  /** Forgets the running set (a simulated crash): the next one sent is applied afresh. */
  forget(): void {
    this.current = undefined;
  }

  /** The policy as the agent runs it, or why it cannot. */
  private check(policy: AgentPolicy__Output): RunningPolicy | string {
    const mode = MODES.find((m) => m === policy.mode);
    if (!mode) return `mode ${JSON.stringify(policy.mode)} is not one this agent runs (${MODES.join(', ')})`;
    let document: unknown;
    try {
      document = JSON.parse(policy.rulesJson);
    } catch (error) {
      return `rules_json is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (document === null || typeof document !== 'object' || Array.isArray(document))
      return 'rules_json must be a JSON object';
    const rules = rulesOf(document as Record<string, unknown>);
    if (mode === 'enforce' && !this.options.capabilities.includes(BLOCK_CAPABILITY)) {
      const blocking = blockingActions(document as Record<string, unknown>, rules);
      if (blocking.length > 0)
        return (
          `enforce mode uses ${blocking.join(' and ')}, which needs the capability "${BLOCK_CAPABILITY}" ` +
          'this agent does not have (monitor mode would only observe)'
        );
    }
    return {
      policyId: policy.policyId,
      version: policy.version,
      name: policy.name,
      mode,
      ruleCount: rules.length,
    };
  }
}

function rulesOf(document: Record<string, unknown>): readonly unknown[] {
  return Array.isArray(document.rules) ? document.rules : [];
}

/** The blocking actions the document uses: in its rules, or as what happens to traffic no rule matches. */
function blockingActions(document: Record<string, unknown>, rules: readonly unknown[]): string[] {
  const found = new Set<string>();
  for (const rule of rules) {
    const action =
      rule !== null && typeof rule === 'object' ? (rule as { action?: unknown }).action : undefined;
    if (typeof action === 'string' && BLOCKING_ACTIONS.has(action)) found.add(action);
  }
  if (document.defaultAction === 'block') found.add('block');
  return [...found].sort();
}
