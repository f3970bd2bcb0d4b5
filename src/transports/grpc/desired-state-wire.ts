// The edge between configuration and policy messages on the stream and the
// configuration feature: desired state out as ConfigurationUpdate and
// PolicySetUpdate, agents' reports in as ApplyReport, validated (naming the
// proto field) before anything is stored.
import type { AgentConfiguration } from '../../features/configuration/agent-configuration.js';
import type {
  ApplyReport,
  EffectivePolicySet,
} from '../../features/configuration/desired-state-distributor.js';
import type { DesiredPart } from '../../features/configuration/desired-state.js';
import { invalidArgument, type FieldViolation } from '../../shared/errors.js';
import type { ConfigurationReport__Output } from '../../gen/proto/corral/agent/v1/ConfigurationReport.js';
import type { ConfigurationUpdate } from '../../gen/proto/corral/agent/v1/ConfigurationUpdate.js';
import type { PolicySetReport__Output } from '../../gen/proto/corral/agent/v1/PolicySetReport.js';
import type { PolicySetUpdate } from '../../gen/proto/corral/agent/v1/PolicySetUpdate.js';

const HASH = /^[0-9a-f]{64}$/;
const MAX_ERROR = 4096;

export function configurationToWire(
  hash: string,
  config: AgentConfiguration,
  revisionIds: readonly string[],
): ConfigurationUpdate {
  return { hash, configJson: JSON.stringify(config), revisionIds: [...revisionIds] };
}

export function policiesToWire(set: EffectivePolicySet): PolicySetUpdate {
  return {
    hash: set.hash,
    policies: set.policies.map((p) => ({
      policyId: p.policyId,
      version: p.version,
      name: p.name,
      mode: p.mode,
      rulesJson: JSON.stringify(p.rules),
    })),
  };
}

/** A configuration_report or policy_report as the distributor takes it. */
export function applyReportFromWire(
  agentId: string,
  part: DesiredPart,
  message: ConfigurationReport__Output | PolicySetReport__Output | null | undefined,
): ApplyReport {
  const field = part === 'config' ? 'configuration_report' : 'policy_report';
  const violations: FieldViolation[] = [];
  const hash = message?.hash ?? '';
  if (!HASH.test(hash))
    violations.push({ field: `${field}.hash`, description: 'must be 64 lowercase hex digits (sha256)' });
  const outcome = message?.outcome;
  if (outcome !== 'APPLY_OUTCOME_APPLIED' && outcome !== 'APPLY_OUTCOME_FAILED')
    violations.push({
      field: `${field}.outcome`,
      description: 'must be APPLY_OUTCOME_APPLIED or APPLY_OUTCOME_FAILED',
    });
  const error = message?.error ?? '';
  if (error.length > MAX_ERROR)
    violations.push({ field: `${field}.error`, description: `must be at most ${MAX_ERROR} characters` });
  if (violations.length > 0) throw invalidArgument(`invalid ${field}`, violations);
  return { agentId, part, hash, applied: outcome === 'APPLY_OUTCOME_APPLIED', error };
}
