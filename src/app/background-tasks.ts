// The periodic work of one instance: what every instance does for the agents
// it holds (flushing their heartbeats, placing and dispatching their commands,
// reading in work whose signal was lost, following the fleet's maintenance
// switch), and the fleet-wide sweeps that run only on the instance holding the
// leader lease (ADR 0015).
import type { Settings } from '../config/settings.js';
import type { StalenessSweep } from '../features/health/staleness-sweep.js';
import type { CorralMetrics } from '../metrics/corral-metrics.js';
import { PeriodicTask } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import type { CorralServices } from './create-services.js';

/**
 * How often lanes look for work no signal announced, and how old it must be (ADR 0017): signals
 * arrive within milliseconds, so older backlog of an idle lane was missed.
 */
const MISSED_WORK_RECHECK_MS = 5_000;

export interface BackgroundDependencies {
  readonly settings: Settings;
  readonly services: CorralServices;
  readonly sweep: StalenessSweep;
  readonly metrics: CorralMetrics;
  readonly logger: Logger;
  /** Reports a failed run of the named task (metric and log). */
  readonly failed: (task: string) => (error: unknown) => void;
  /** Whether this instance holds the leader lease now. */
  readonly isLeader: () => boolean;
  /** A shared cache, so there may be other instances. */
  readonly sharedPresence: boolean;
}

export function backgroundTasks(deps: BackgroundDependencies): PeriodicTask[] {
  const { settings, services, sweep, metrics, logger, failed, sharedPresence } = deps;
  const asLeader = (task: () => Promise<void>) => async () => {
    if (deps.isLeader()) await task();
  };
  let placementRuns = 0;
  return [
    new PeriodicTask(
      'heartbeat-flush',
      settings.HEARTBEAT_FLUSH_INTERVAL,
      async () => {
        const end = metrics.flushDuration.startTimer();
        metrics.flushRows.inc(await services.tracker.flush());
        end();
      },
      failed('heartbeat-flush'),
    ),
    new PeriodicTask(
      'staleness-sweep',
      Math.min(settings.HEARTBEAT_INTERVAL, 10_000),
      asLeader(async () => {
        for (const { to } of await sweep.run()) metrics.agentsMarkedStale.inc({ status: to });
      }),
      failed('staleness-sweep'),
    ),
    new PeriodicTask(
      'session-sweep',
      settings.SESSION_SWEEP_INTERVAL,
      asLeader(async () => void (await services.sessions.sweepExpired())),
      failed('session-sweep'),
    ),
    // Committed events go out as they commit (relay.start()); this picks up what a failed publish left.
    new PeriodicTask(
      'outbox-relay',
      1000,
      asLeader(async () => void (await services.relay.drain())),
      failed('outbox-relay'),
    ),
    new PeriodicTask(
      'command-sweep',
      1000,
      asLeader(async () => void (await services.sweep.run())),
      failed('command-sweep'),
    ),
    new PeriodicTask(
      'config-drift',
      Math.min(settings.CONFIG_DRIFT_GRACE, 10_000),
      asLeader(async () => void (await services.desiredState.driftCheck())),
      failed('config-drift'),
    ),
    new PeriodicTask(
      'bulk-rollup',
      500,
      asLeader(async () => void (await services.rollup.run())),
      failed('bulk-rollup'),
    ),
    // With other instances, work another one stored for an agent held here arrives by a signal; one
    // lost to an outage must not strand it until the agent reconnects (ADR 0017).
    new PeriodicTask(
      'missed-work',
      MISSED_WORK_RECHECK_MS,
      async () => {
        if (!sharedPresence) return;
        const found = await services.dispatcher.recheckIdleLanes(MISSED_WORK_RECHECK_MS);
        if (found > 0) logger.info({ agents: found }, 'read in commands whose signal did not arrive');
      },
      failed('missed-work'),
    ),
    // The fleet's maintenance switch, as another instance may have moved it (on memory: only this one).
    new PeriodicTask(
      'maintenance-refresh',
      2000,
      () => services.maintenance.refresh(),
      failed('maintenance-refresh'),
    ),
    new PeriodicTask(
      'placement',
      500,
      async () => {
        // With a shared cache there may be other instances: every 5 s this one also looks for
        // capability children they could not place (ADR 0017); on memory: nothing changes.
        if (sharedPresence && ++placementRuns % 10 === 0) services.scheduler.recheckStore();
        services.scheduler.wake();
        await services.scheduler.settled();
      },
      failed('placement'),
    ),
  ];
}
