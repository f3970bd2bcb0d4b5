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
}

export function createConfigurationServices(parts: ConfigurationParts) {
  const { db, events, clock } = parts;
  // The service tells the distributor what changed; the distributor is built right below.
  const configuration: ConfigurationService = new ConfigurationService(
    db,
    parts.auditor,
    events,
    parts.ids,
    clock,
    parts.groups,
    (change) => distributor.changed(change),
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
  return { configuration, desiredState: distributor };
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
  { configuration, desiredState }: ReturnType<typeof createConfigurationServices>,
): void {
  groups.onMembershipChanged(async ({ groupIds, agentIds }) => {
    desiredState.changed({ agentIds });
    // A group that is gone takes its policy assignments with it.
    for (const groupId of groupIds)
      if (!(await groups.exists(groupId))) await policies.forgetTarget({ kind: 'group', id: groupId });
  });
  groups.useComplianceSummary(async (group) => (await configuration.groupCompliance(group.id)).byCompliance);
  policies.onPoliciesChanged((change) => {
    if (change.all === true || (change.groupIds?.length ?? 0) > 0) desiredState.changed({ all: true });
    else desiredState.changed({ agentIds: change.agentIds ?? [] });
  });
}
