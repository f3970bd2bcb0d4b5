// Builds every service over opened backends. Used by startCorral (corral.ts)
// and by tests; it starts nothing.
import { AgentService } from '../features/agents/agent-service.js';
import { noConnections, type AgentConnections } from '../features/agents/agent-connections.js';
import { ApiKeyService } from '../features/api-keys/api-key-service.js';
import { AuditLog } from '../features/audit/audit-log.js';
import { Auditor } from '../features/audit/audited.js';
import { BackupService } from '../features/backups/backup-service.js';
import { StateTransferService } from '../features/backups/state-transfer.js';
import { EnrollmentService } from '../features/enrollment/enrollment-service.js';
import { EventFactory } from '../features/events/event-factory.js';
import { EventLog } from '../features/events/event-log.js';
import { GroupService } from '../features/groups/group-service.js';
import { OutboxRelay } from '../features/events/outbox-relay.js';
import { PolicyService } from '../features/policies/policy-service.js';
import { StatusService } from '../features/fleet/status-service.js';
import { MaintenanceMode } from '../features/fleet/maintenance-mode.js';
import { DEFAULT_TRACKER_SETTINGS, FleetTracker } from '../features/health/fleet-tracker.js';
import { HealthService } from '../features/health/health-service.js';
import { SessionService } from '../features/sessions/session-service.js';
import { CommandTypeService } from '../features/commands/command-type-service.js';
import { noCommandLink, type CommandLink } from '../features/commands/command-link.js';
import {
  createCommandServices,
  DEFAULT_SCHEDULING_SETTINGS,
  type CommandParts,
  type SchedulingSettings,
} from './create-command-services.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { TimeOrderedIds, type IdSource } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { Backends } from './backends.js';
import { connectDesiredState, createConfigurationServices } from './create-configuration-services.js';
import type {
  DesiredStateLink,
  DesiredStateObserver,
} from '../features/configuration/desired-state-distributor.js';

/** CONFIG_DRIFT_GRACE's default. */
export const DEFAULT_CONFIG_DRIFT_GRACE_MS = 60_000;

const NO_DESIRED_STATE_LINK: DesiredStateLink = {
  sendConfiguration: () => undefined,
  sendPolicies: () => undefined,
};
import { InstanceSignals } from '../features/instances/instance-signals.js';
import type { Services } from './services.js';
import { CORRAL_VERSION } from './version.js';

export interface ServiceOptions {
  readonly clock?: Clock;
  readonly ids?: IdSource;
  readonly sessionTtlMs: number;
  readonly heartbeatEventIntervalMs?: number;
  readonly maxPendingAgents?: number;
  readonly instanceId?: string;
  readonly connections?: () => AgentConnections;
  readonly commandLink?: () => CommandLink;
  /** MAINTENANCE_MODE at start. */
  readonly maintenanceMode?: boolean;
  /** Where failures of work done in the background (dispatch, placement, event relay) are reported. */
  readonly onBackgroundError?: (task: string, error: unknown) => void;
  /** LOAD_BALANCING_STRATEGY, MAX_AGENT_LOAD, COMMAND_QUEUE_SIZE, MAX_COMMANDS_PER_AGENT. */
  readonly scheduling?: SchedulingSettings;
  readonly desiredStateLink?: () => DesiredStateLink;
  /** CONFIG_DRIFT_GRACE. */
  readonly configDriftGraceMs?: number;
  /** Told of configuration and policy reports and drift (metrics). */
  readonly desiredStateObserver?: DesiredStateObserver;
  /** Told of commands received and finished (metrics). */
  readonly commandObserver?: CommandParts['observer'];
  /** Where services log warnings (an enrolled agent that could not join its secret's group). */
  readonly logger?: Logger;
}

/** Builds the services over opened backends (used by startCorral and by tests). */
export type CorralServices = Services &
  Omit<ReturnType<typeof createCommandServices>, 'commands' | 'commandStats'> &
  Omit<ReturnType<typeof createConfigurationServices>, 'configuration' | 'desiredStateChanged'> & {
    readonly relay: OutboxRelay;
    /** Signals to and from the other instances (ADR 0017); started by startCorral. */
    readonly signals: InstanceSignals;
  };

export function createServices(backends: Backends, options: ServiceOptions): CorralServices {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? new TimeOrderedIds(clock);
  const { db, cache, bus } = backends;
  const backgroundError = options.onBackgroundError ?? (() => undefined);
  const events = new EventFactory(ids, clock);
  const auditor = new Auditor(db, ids, clock);
  const tracker = new FleetTracker(db, events, clock, {
    ...DEFAULT_TRACKER_SETTINGS,
    heartbeatEventIntervalMs:
      options.heartbeatEventIntervalMs ?? DEFAULT_TRACKER_SETTINGS.heartbeatEventIntervalMs,
    maxPendingAgents: options.maxPendingAgents ?? DEFAULT_TRACKER_SETTINGS.maxPendingAgents,
  });
  const enrollment = new EnrollmentService(db, auditor, ids, clock);
  const agents = new AgentService(
    db,
    enrollment,
    auditor,
    events,
    ids,
    clock,
    options.connections ?? (() => noConnections),
    {
      async onUnregistered(agentId, endedSessions) {
        tracker.forget(agentId);
        // `sessions` and `configurationParts` are built below; the hook only runs later.
        await sessions.forgetAgent(endedSessions);
        await configurationParts.desiredState.forget([agentId]);
      },
      // `groups` is built just below; the hook only runs later.
      watchChange: (stores, change) => groups.watchAgent(stores, change),
      async joinGroup(stores, join) {
        const skipped = await groups.joinOnEnrollment(stores, join);
        if (skipped !== undefined)
          options.logger?.warn(
            { agentId: join.agentId, groupId: join.groupId, reason: skipped },
            'enrolled agent did not join the group its enrollment secret names',
          );
      },
    },
  );
  const sessions = new SessionService(db, cache, agents, auditor, events, ids, clock, {
    ttlMs: options.sessionTtlMs,
  });
  const startedAt = clock.now();
  const commandTypes = new CommandTypeService(db, auditor, events, clock);
  const groups = new GroupService(db, auditor, events, ids, clock, (error) =>
    backgroundError('group-membership', error),
  );
  const maintenance = new MaintenanceMode(db, auditor, clock, options.maintenanceMode ?? false);
  const policies = new PolicyService({
    db,
    auditor,
    events,
    ids,
    clock,
    groups: {
      groupsOf: (agentId) => groups.groupsOf(agentId),
      groupsOfMany: (agentIds) => groups.groupsOfMany(agentIds),
      groupExists: (groupId) => groups.exists(groupId),
    },
    onListenerError: (error) => backgroundError('policy-change', error),
  });
  const commandParts = createCommandServices({
    db,
    auditor,
    events,
    ids,
    clock,
    tracker,
    maintenance,
    registry: () => commandTypes.registry(),
    link: options.commandLink ?? (() => noCommandLink),
    routing: () => signals,
    scheduling: options.scheduling ?? DEFAULT_SCHEDULING_SETTINGS,
    observer: options.commandObserver ?? {},
    onError: (error) => backgroundError('command-dispatch', error),
  });
  const configurationParts = createConfigurationServices({
    db,
    auditor,
    events,
    ids,
    clock,
    groups: () => groups,
    policies: (agentIds) => policies.effectivePoliciesFor(agentIds),
    link: options.desiredStateLink ?? (() => NO_DESIRED_STATE_LINK),
    driftGraceMs: options.configDriftGraceMs ?? DEFAULT_CONFIG_DRIFT_GRACE_MS,
    onError: (error) => backgroundError('desired-state', error),
    ...(options.desiredStateObserver ? { observer: options.desiredStateObserver } : {}),
    announce: (change) => signals.desiredStateChangedHere(change),
  });
  connectDesiredState(groups, policies, configurationParts);
  const { dispatcher, scheduler } = commandParts;
  const signals = new InstanceSignals(backends.presence, backends.messenger, {
    holdsAgent: (agentId) => dispatcher.holdsAgent(agentId),
    receivers: {
      workArrived: (agentIds) => dispatcher.workArrived(agentIds),
      cancelArrived: (commands, reason) => dispatcher.cancelArrived(commands, reason),
      capabilityWorkArrived: () => scheduler.recheckStore(),
      desiredStateChanged: (change) => configurationParts.desiredState.changed(change),
    },
    onError: (error) => backgroundError('instance-signals', error),
  });
  const backupParts = { db, auditor, events, ids, clock };
  const backups = new BackupService({
    ...backupParts,
    configuration: configurationParts.configuration,
    policies,
  });
  const stateTransfer = new StateTransferService({
    ...backupParts,
    corralVersion: CORRAL_VERSION,
    async afterImport() {
      // The import wrote the stores directly: reload the type registry, bring connected agents up to date.
      await commandTypes.load();
      configurationParts.desiredStateChanged({ all: true });
    },
  });
  const { desiredStateChanged: _announced, ...configurationServices } = configurationParts;
  return {
    clock,
    ...configurationServices,
    signals,
    agents,
    sessions,
    enrollment,
    tracker,
    health: new HealthService(agents, tracker),
    apiKeys: new ApiKeyService(db, cache, auditor, ids, clock),
    events: new EventLog(db),
    ...commandParts,
    commandTypes,
    policies,
    groups,
    backups,
    stateTransfer,
    audit: new AuditLog(db),
    auditor,
    maintenance,
    status: new StatusService(
      () => maintenance.current,
      agents,
      clock,
      {
        version: CORRAL_VERSION,
        instanceId: options.instanceId ?? backends.instanceId,
        startedAt,
        backends: backends.describe,
      },
      () => backends.presence.liveInstances(),
    ),
    relay: new OutboxRelay(db, bus, clock, (error) => backgroundError('outbox-relay', error)),
    async readiness() {
      const probes = { store: () => db.ping(), cache: () => cache.ping(), bus: () => bus.ping() };
      const checks = Object.fromEntries(
        await Promise.all(
          Object.entries(probes).map(async ([name, ping]) => [
            name,
            await ping().then(
              () => 'ok',
              (error: unknown) => (error instanceof Error ? error.message : String(error)) || 'failing',
            ),
          ]),
        ),
      ) as Record<string, string>;
      return { ready: Object.values(checks).every((state) => state === 'ok'), checks };
    },
  };
}
