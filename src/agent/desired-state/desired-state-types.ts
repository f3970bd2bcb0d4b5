// The shapes of the agent's desired-state handling: what it runs now (the
// configuration and the policy set it last applied), the outcome of one apply,
// and the limits it checks before applying. Plain data, shared by the appliers,
// the channel, the client's stats and the `status` command.
import type { AgentConfiguration } from '../../features/configuration/agent-configuration.js';

/** The two things the server sends an agent to run. */
export type DesiredPart = 'configuration' | 'policies';

/** The configuration the agent runs, as it was sent (the operator-fixed values may override parts). */
export interface RunningConfiguration {
  readonly hash: string;
  readonly config: AgentConfiguration;
  /** The layers' revision ids, for display. */
  readonly revisionIds: readonly string[];
  readonly appliedAtMs: number;
}

/** One policy the agent runs; the rules themselves stay with the enforcement engine. */
export interface RunningPolicy {
  readonly policyId: string;
  readonly version: number;
  readonly name: string;
  readonly mode: string;
  /** Entries of the rules document's `rules` array (0 when it has none). */
  readonly ruleCount: number;
}

export interface RunningPolicySet {
  readonly hash: string;
  readonly policies: readonly RunningPolicy[];
  readonly appliedAtMs: number;
}

/** What the agent runs now, as the `status` command returns it (null: nothing applied yet). */
export interface AgentStateView {
  readonly configuration: (RunningConfiguration['config'] & { readonly hash: string }) | null;
  readonly policySet: { readonly hash: string; readonly policies: readonly RunningPolicy[] } | null;
}

/** What the agent made of one configuration or policy set; becomes its report. */
export interface ApplyResult {
  readonly hash: string;
  readonly applied: boolean;
  /** Why it was refused; empty when applied. */
  readonly error: string;
  /** The agent already ran this hash: reported APPLIED again, nothing re-applied. */
  readonly unchanged: boolean;
}

/** What the agent can run; a configuration asking for more is refused. */
export interface ConfigurationLimits {
  /** Memory budget for the event buffer: the largest bufferSizes.eventBufferKiB accepted. */
  readonly maxEventBufferKiB: number;
  /** False when this agent build has no tracing: tracing.enabled=true is refused. */
  readonly tracing: boolean;
}

/** Default memory budget for the event buffer (64 MiB). */
export const DEFAULT_MAX_EVENT_BUFFER_KIB = 65_536;

/** The largest error text the server accepts in a report (desired-state-wire.ts). */
export const MAX_REPORT_ERROR_CHARS = 4_096;

/** Hashes the server sends and accepts back: sha256 as 64 lowercase hex digits. */
export const HASH_PATTERN = /^[0-9a-f]{64}$/;
