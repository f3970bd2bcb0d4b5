// Wires the commands feature: the command service (create, cancel, read), the
// dispatcher (delivery and agent reports), the capability scheduler
// (placement), statistics, and the background work (expiry sweep, bulk
// roll-up). Part of the composition root; called by createServices.
import type { Database } from '../infra/store/stores.js';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { Auditor } from '../features/audit/audited.js';
import type { EventFactory } from '../features/events/event-factory.js';
import type { FleetTracker } from '../features/health/fleet-tracker.js';
import type { MaintenanceMode } from '../features/fleet/maintenance-mode.js';
import { BulkRollup } from '../features/commands/bulk-rollup.js';
import {
  CommandDispatcher,
  DEFAULT_DISPATCHER_SETTINGS,
  type DispatchObserver,
} from '../features/commands/command-dispatcher.js';
import type { CommandLink } from '../features/commands/command-link.js';
import type { CommandRouting } from '../features/commands/command-routing.js';
import { CommandService } from '../features/commands/command-service.js';
import { CommandStatistics } from '../features/commands/command-stats.js';
import { isBulkParent } from '../features/commands/command.js';
import { CommandSweep } from '../features/commands/command-sweep.js';
import type { CommandTypeRegistry } from '../features/commands/command-types.js';
import { CapabilityScheduler } from '../features/scheduling/capability-scheduler.js';
import { connectedCandidates } from '../features/scheduling/connected-candidates.js';
import { DEFAULT_COMMAND_QUEUE_SIZE } from '../features/scheduling/command-queue.js';
import { DEFAULT_MAX_AGENT_LOAD } from '../features/scheduling/eligibility.js';
import { createStrategyRegistry, DEFAULT_STRATEGY_NAME } from '../features/scheduling/strategy-registry.js';

/** LOAD_BALANCING_STRATEGY, MAX_AGENT_LOAD, COMMAND_QUEUE_SIZE, MAX_COMMANDS_PER_AGENT. */
export interface SchedulingSettings {
  readonly strategy: string;
  readonly maxAgentLoad: number;
  readonly queueSize: number;
  readonly maxCommandsPerAgent: number;
}

export const DEFAULT_SCHEDULING_SETTINGS: SchedulingSettings = {
  strategy: DEFAULT_STRATEGY_NAME,
  maxAgentLoad: DEFAULT_MAX_AGENT_LOAD,
  queueSize: DEFAULT_COMMAND_QUEUE_SIZE,
  maxCommandsPerAgent: DEFAULT_DISPATCHER_SETTINGS.maxCommandsPerAgent,
};

export interface CommandParts {
  readonly db: Database;
  readonly auditor: Auditor;
  readonly events: EventFactory;
  readonly ids: IdSource;
  readonly clock: Clock;
  readonly tracker: FleetTracker;
  readonly maintenance: MaintenanceMode;
  readonly registry: () => CommandTypeRegistry;
  readonly link: () => CommandLink;
  /** Announces work for agents held by other instances (ADR 0017). */
  readonly routing: () => CommandRouting;
  readonly scheduling: SchedulingSettings;
  readonly observer: DispatchObserver & {
    /** A command (per agent) was accepted, by type. */
    received?(type: string): void;
  };
  readonly onError: (error: unknown) => void;
}

export function createCommandServices(parts: CommandParts) {
  const { db, events, clock, tracker, scheduling, observer } = parts;
  const strategy = createStrategyRegistry().get(scheduling.strategy);
  const dispatcher = new CommandDispatcher(
    db,
    parts.link,
    events,
    clock,
    parts.onError,
    { ...DEFAULT_DISPATCHER_SETTINGS, maxCommandsPerAgent: scheduling.maxCommandsPerAgent },
    {
      finished: (type, status, seconds) => observer.finished?.(type, status, seconds),
      // Freed window slots may let waiting capability children be placed (the scheduler is built below).
      capacityFreed: () => {
        observer.capacityFreed?.();
        if (placement.waiting > 0) placement.wake();
      },
    },
  );
  const placement = new CapabilityScheduler({
    db,
    events,
    clock,
    strategy,
    limits: { maxAgentLoad: scheduling.maxAgentLoad },
    queueSize: scheduling.queueSize,
    candidates: connectedCandidates(db, {
      laneLoad: (agentId) => dispatcher.laneLoad(agentId),
      cpuLoad: (agentId) => {
        const sample = tracker.get(agentId)?.lastSample;
        return sample ? sample.cpuPercent / 100 : undefined;
      },
    }),
    placed: (commands) => dispatcher.commandsCreated(commands),
    onError: parts.onError,
  });
  dispatcher.holdNonEmergency(parts.maintenance.current.enabled);
  parts.maintenance.onChange((state) => dispatcher.holdNonEmergency(state.enabled));
  const commands = new CommandService(db, parts.registry, parts.auditor, events, parts.ids, clock, {
    created: (created) => {
      for (const command of created) if (!isBulkParent(command)) observer.received?.(command.type);
      dispatcher.commandsCreated(created);
      placement.enqueue(created);
      parts.routing().commandsCreated(created);
    },
    cancelRequested: (cancelled, reason) => {
      dispatcher.cancelRequested(cancelled, reason);
      parts.routing().cancelRequested(cancelled, reason);
    },
    ended: (transitions) => dispatcher.commandsEnded(transitions),
    placementRoom: () => placement.room(),
  });
  const stats = new CommandStatistics(db, {
    placementWaiting: () => placement.waiting,
    dispatch: () => dispatcher.depth(),
    delivered: () => dispatcher.delivered,
    reportsStored: () => dispatcher.reportsStored,
  });
  return {
    commands,
    commandStats: stats,
    dispatcher,
    scheduler: placement,
    sweep: new CommandSweep(db, events, clock, (applied) => dispatcher.commandsEnded(applied)),
    rollup: new BulkRollup(db, events, clock),
  };
}
