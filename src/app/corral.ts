// The composition root: builds every part from settings, starts them in order,
// and stops them in reverse. Nothing else in the code base wires parts together.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Settings } from '../config/settings.js';
import { EventFactory } from '../features/events/event-factory.js';
import { LeaderLease } from '../infra/coordination/leader-lease.js';
import { PresenceKeeper } from '../infra/coordination/presence-keeper.js';
import { StalenessSweep } from '../features/health/staleness-sweep.js';
import { CorralMetrics } from '../metrics/corral-metrics.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import { AgentGrpcServer } from '../transports/grpc/agent-grpc-server.js';
import { StreamHub } from '../transports/grpc/stream-hub.js';
import { createHttpServer } from '../transports/http/http-server.js';
import { systemClock } from '../shared/clock.js';
import { TimeOrderedIds } from '../shared/ids.js';
import { PeriodicTask } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import { openBackends } from './backends.js';
import { createServices, type CorralServices } from './create-services.js';
import { CORRAL_VERSION } from './version.js';

/**
 * How often lanes look for work no signal announced, and how old it must be (ADR 0017): signals
 * arrive within milliseconds, so older backlog of an idle lane was missed.
 */
const MISSED_WORK_RECHECK_MS = 5_000;

export interface RunningCorral {
  readonly services: CorralServices;
  readonly grpcPort: number;
  readonly apiUrl: string;
  readonly metricsUrl: string;
  /** Set only when an admin key was generated on this (first) start. */
  readonly generatedAdminKey: string | undefined;
  stop(): Promise<void>;
}

export async function startCorral(settings: Settings, logger: Logger): Promise<RunningCorral> {
  const clock = systemClock;
  const backends = await openBackends(settings, logger, clock);
  const { instanceId } = backends;
  const startedAt = clock.now();
  // Set once the gRPC server is bound (the configured port may be 0); read at each presence refresh.
  let grpcAddress = `${settings.GRPC_SERVER_ADDR.host}:${settings.GRPC_SERVER_ADDR.port}`;
  const presence = new PresenceKeeper(backends.presence, {
    instanceId,
    ttlMs: settings.PRESENCE_TTL,
    info: () => ({ address: grpcAddress, startedAt, version: CORRAL_VERSION }),
    onError: (error) => failed('presence')(error),
  });
  const hub = new StreamHub(clock, presence);
  // Gauges read the services at scrape time; the services report counts as they happen.
  const metrics = new CorralMetrics({
    counts: cachedFor(2000, () => backends.db.agents.counts()),
    connectedStreams: () => hub.connectedCount(),
    liveAgents: () => services.tracker.size,
    pendingAgentWrites: () => services.tracker.pendingCount,
    heartbeatsReceived: () => services.tracker.heartbeatsReceived,
    eventsPublished: () => services.relay.published,
    commandCounts: cachedFor(2000, () => backends.db.commands.countsByStatus()),
    commandsDelivered: () => services.dispatcher.delivered,
    commandReportsStored: () => services.dispatcher.reportsStored,
    complianceCounts: cachedFor(2000, async () => (await services.configuration.compliance()).byCompliance),
    queueDepths: () => ({
      placement: services.scheduler.waiting,
      dispatch: services.dispatcher.depth().waiting,
    }),
    cacheFailures: () => backends.cacheFailures(),
    leadership: () => ({ [leadership.name]: leadership.isLeader }),
  });
  const failed = (task: string) => (error: unknown) => {
    metrics.backgroundFailures.inc({ task });
    logger.error({ err: error, task }, 'background task failed');
  };
  const services = createServices(backends, {
    clock,
    sessionTtlMs: settings.SESSION_TIMEOUT,
    heartbeatEventIntervalMs: settings.HEARTBEAT_EVENT_SAMPLE_INTERVAL,
    maxPendingAgents: settings.MAX_PENDING_HEARTBEATS,
    instanceId,
    connections: () => hub,
    commandLink: () => hub,
    desiredStateLink: () => hub,
    configDriftGraceMs: settings.CONFIG_DRIFT_GRACE,
    logger,
    desiredStateObserver: {
      reported: (part, applied) =>
        metrics.desiredStateReports.inc({
          part: part === 'config' ? 'configuration' : 'policies',
          outcome: applied ? 'applied' : 'failed',
        }),
      drifted: (agents) => metrics.configDrifts.inc(agents),
    },
    maintenanceMode: settings.MAINTENANCE_MODE,
    onBackgroundError: (task, error) => failed(task)(error),
    scheduling: {
      strategy: settings.LOAD_BALANCING_STRATEGY,
      maxAgentLoad: settings.MAX_AGENT_LOAD,
      queueSize: settings.COMMAND_QUEUE_SIZE,
      maxCommandsPerAgent: settings.MAX_COMMANDS_PER_AGENT,
    },
    commandObserver: {
      received: (type) => metrics.commandsReceived.inc({ type }),
      finished: (type, status, seconds) => {
        metrics.commandsExecuted.inc({ type, status });
        metrics.commandExecutionTime.observe({ type }, seconds);
      },
    },
  });
  services.tracker.onFlushed((durable) => hub.acknowledge(durable));
  services.relay.start();
  const { generatedKey } = await services.apiKeys.bootstrap(settings.ADMIN_API_KEY);
  const commandTypes = await services.commandTypes.load();
  await services.maintenance.load();
  for (const { name, reason } of commandTypes.skipped)
    logger.warn(
      { commandType: name, reason },
      'stored command type no longer passes the meta-schema; not loaded',
    );

  const sweep = new StalenessSweep(
    backends.db,
    services.tracker,
    new EventFactory(new TimeOrderedIds(clock), clock),
    clock,
    {
      agentTimeoutMs: settings.AGENT_TIMEOUT,
      maxInactiveMs: settings.MAX_INACTIVE_TIME,
    },
  );
  await services.scheduler.restore();
  // Fleet-wide work runs on the instance holding this lease; on memory: (one instance) always this one.
  const leadership = new LeaderLease(backends.leases, {
    name: 'background-sweeps',
    instanceId,
    ttlMs: settings.LEADER_LEASE_TTL,
    onError: failed('leader-lease'),
  });
  leadership.onChange((leading) =>
    logger.info(
      { lease: leadership.name, holder: leadership.holder },
      leading ? 'leading: the background sweeps run here' : 'no longer leading the background sweeps',
    ),
  );
  const asLeader = (task: () => Promise<void>) => async () => {
    if (leadership.isLeader) await task();
  };
  const sharedPresence = backends.describe.cache !== 'memory';
  let placementRuns = 0;
  const background = [
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
      asLeader(async () => void (await sweep.run())),
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

  const agentSettings = {
    heartbeatIntervalMs: settings.HEARTBEAT_INTERVAL,
    sessionTtlMs: settings.SESSION_TIMEOUT,
  };
  const grpcServer = new AgentGrpcServer({
    host: settings.GRPC_SERVER_ADDR.host,
    port: settings.GRPC_SERVER_ADDR.port,
    tls:
      settings.TLS_ENABLED && settings.TLS_CERT_FILE && settings.TLS_KEY_FILE
        ? { certFile: settings.TLS_CERT_FILE, keyFile: settings.TLS_KEY_FILE }
        : undefined,
    drainTimeoutMs: settings.SHUTDOWN_DRAIN_TIMEOUT,
    logger: logger.child({ component: 'grpc' }),
    hub,
    handlers: {
      metrics,
      logger: logger.child({ component: 'grpc' }),
      agents: services.agents,
      sessions: services.sessions,
      tracker: services.tracker,
      hub,
      clock,
      settings: agentSettings,
      instanceId,
      maxStreams: settings.MAX_AGENT_STREAMS,
      maxQueuedPerStream: 256,
      expiryNoticeMs: Math.min(60_000, Math.floor(settings.SESSION_TIMEOUT / 3)),
      commands: services.dispatcher,
      desiredState: services.desiredState,
    },
  });
  const adminTls =
    settings.ADMIN_TLS_ENABLED && settings.ADMIN_TLS_CERT_FILE && settings.ADMIN_TLS_KEY_FILE
      ? { cert: readFileSync(settings.ADMIN_TLS_CERT_FILE), key: readFileSync(settings.ADMIN_TLS_KEY_FILE) }
      : undefined;
  const http = await createHttpServer({
    ...(adminTls ? { tls: adminTls } : {}),
    services,
    logger: logger.child({ component: 'http' }),
    rateLimitPerMinute: settings.API_RATE_LIMIT,
    ...(backends.rateLimitStore ? { rateLimitStore: backends.rateLimitStore } : {}),
    version: CORRAL_VERSION,
  });
  const metricsServer = new MetricsServer(metrics.registry);

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.reverse().splice(0)) {
      await close().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
    }
  };
  try {
    stops.push(() => backends.close());
    // Signals from other instances are acted on from now; the last ones noted here go out on stop.
    await services.signals.start();
    stops.push(() => services.signals.stop());
    // Last before the backends close: everything committed goes out to the bus.
    stops.push(async () => {
      services.relay.stop();
      await services.relay.drain();
    });
    // Stored before the backends close: agent reports received during the drain.
    stops.push(() => services.dispatcher.flush());
    stops.push(() => services.desiredState.flush());
    // Before the tasks and stopped after them, so their last runs still lead; then the lease is released.
    await leadership.start();
    stops.push(() => leadership.stop());
    for (const task of background) {
      await task.start();
      stops.push(async () => {
        await task.stop();
        await task.runNow();
      });
    }
    const metricsAddress = await metricsServer.listen(settings.METRICS_ADDR.host, settings.METRICS_ADDR.port);
    stops.push(() => metricsServer.close());
    await http.listen({ host: settings.ADMIN_API_ADDR.host, port: settings.ADMIN_API_ADDR.port });
    stops.push(() => http.close());
    await grpcServer.start();
    stops.push(() => grpcServer.stop());
    grpcAddress = `${urlHost(settings.GRPC_SERVER_ADDR.host)}:${grpcServer.boundPort}`;
    // Agents that connected before this are sent by the first refresh. Stopped before the gRPC
    // drain: the instance leaves the registry first, so others stop routing work here.
    await presence.start();
    stops.push(() => presence.stop());
    const apiAddress = http.server.address() as AddressInfo;
    return {
      services,
      grpcPort: grpcServer.boundPort,
      apiUrl: `${adminTls ? 'https' : 'http'}://${urlHost(settings.ADMIN_API_ADDR.host)}:${apiAddress.port}`,
      metricsUrl: `http://${urlHost(settings.METRICS_ADDR.host)}:${metricsAddress.port}/metrics`,
      generatedAdminKey: generatedKey,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Caches an async read for `ms`, so scrapes do not hammer the store. */
function cachedFor<T>(ms: number, read: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  let at = 0;
  return () => {
    const now = Date.now();
    if (!value || now - at > ms) {
      at = now;
      value = read().catch((error: unknown) => {
        value = undefined;
        throw error;
      });
    }
    return value;
  };
}
