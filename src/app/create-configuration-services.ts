// Wires configuration and desired state: the configuration service (layers,
// revisions, bulk updates), the distributor that brings connected agents to
// their desired configuration and policy set and records what they applied,
// and the compliance reads. Part of the composition root; called by
// createServices.
import type { Database } from '../infra/store/stores.js';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { Auditor } from '../features/audit/audited.js';
import type { EventFactory } from '../features/events/event-factory.js';
import { ConfigurationService } from '../features/configuration/configuration-service.js';
import {
  DesiredStateDistributor,
  type DesiredStateLink,
  type DesiredStateObserver,
  type EffectivePolicySet,
} from '../features/configuration/desired-state-distributor.js';
import type { ConfigurationChange } from '../features/configuration/configuration-service.js';
import type { GroupLookup } from '../features/configuration/effective-configurations.js';
import type { GroupService } from '../features/groups/group-service.js';
import type { PolicyService } from '../features/policies/policy-service.js';

export interface ConfigurationParts {
  readonly db: Database;
  readonly auditor: Auditor;
  readonly events: EventFactory;
  readonly ids: IdSource;
  readonly clock: Clock;
  readonly groups: () => GroupLookup;
  readonly policies: (agentIds: readonly string[]) => Promise<ReadonlyMap<string, EffectivePolicySet>>;
  readonly link: () => DesiredStateLink;
  /** CONFIG_DRIFT_GRACE: how long an agent may take to apply what it was sent. */
  readonly driftGraceMs: number;
  readonly onError: (error: unknown) => void;
  readonly observer?: DesiredStateObserver;
  /** Told of every change made here, for the agents other instances hold (ADR 0017). */
  readonly announce?: (change: ConfigurationChange) => void;
}

export function createConfigurationServices(parts: ConfigurationParts) {
  const { db, events, clock } = parts;
  /** A change made on this instance: agents connected here and (announced) elsewhere follow it. */
  const desiredStateChanged = (change: ConfigurationChange): void => {
    distributor.changed(change);
    parts.announce?.(change);
  };
  // The service tells the distributor what changed; the distributor is built right below.
  const configuration: ConfigurationService = new ConfigurationService(
    db,
    parts.auditor,
    events,
    parts.ids,
    clock,
    parts.groups,
    desiredStateChanged,
    parts.driftGraceMs,
  );
  const distributor = new DesiredStateDistributor(
    db,
    { configurations: (ids) => configuration.effective(ids), policies: parts.policies },
    parts.link,
    events,
    clock,
    parts.driftGraceMs,
    parts.onError,
    parts.observer,
  );
  return { configuration, desiredState: distributor, desiredStateChanged };
}

/**
 * Keeps desired state following what it depends on: group membership and
 * policy changes bring the agents concerned up to date, a deleted group's
 * policy assignments go, and group summaries count compliance. (Listener
 * failures are reported by the group and policy services.)
 */
export function connectDesiredState(
  groups: GroupService,
  policies: PolicyService,
  { configuration, desiredStateChanged }: ReturnType<typeof createConfigurationServices>,
): void {
  groups.onMembershipChanged(async ({ groupIds, agentIds }) => {
    desiredStateChanged({ agentIds });
    // A group that is gone takes its policy assignments with it.
    for (const groupId of groupIds)
      if (!(await groups.exists(groupId))) await policies.forgetTarget({ kind: 'group', id: groupId });
  });
  groups.useComplianceSummary(async (group) => (await configuration.groupCompliance(group.id)).byCompliance);
  policies.onPoliciesChanged((change) => {
    if (change.all === true || (change.groupIds?.length ?? 0) > 0) desiredStateChanged({ all: true });
    else desiredStateChanged({ agentIds: change.agentIds ?? [] });
  });
}
