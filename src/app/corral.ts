// The composition root: builds every part from settings, starts them in order,
// and stops them in reverse. Nothing else in the code base wires parts together.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Settings } from '../config/settings.js';
import { EventFactory } from '../features/events/event-factory.js';
import { LeaderLease } from '../infra/coordination/leader-lease.js';
import { PresenceKeeper } from '../infra/coordination/presence-keeper.js';
import { StalenessSweep } from '../features/health/staleness-sweep.js';
import { CorralMetrics, OUTBOX_COUNT_LIMIT } from '../metrics/corral-metrics.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import { AgentGrpcServer } from '../transports/grpc/agent-grpc-server.js';
import { StreamHub } from '../transports/grpc/stream-hub.js';
import { createHttpServer } from '../transports/http/http-server.js';
import { dashboardBuilt, DEFAULT_DASHBOARD_DIR } from '../transports/http/dashboard.js';
import { systemClock } from '../shared/clock.js';
import { TimeOrderedIds } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { openBackends } from './backends.js';
import { backgroundTasks } from './background-tasks.js';
import { createServices, type CorralServices } from './create-services.js';
import { CORRAL_VERSION } from './version.js';
import { CommandEventCounter } from '../features/live/command-event-counter.js';
import { FleetSampler } from '../features/live/fleet-sampler.js';
import { LiveFeed } from '../features/live/live-feed.js';
import { scrapeReading } from '../metrics/scrape-reading.js';

/** Fleet samples the dashboard's overview charts can show at once (half an hour at the default 5 s). */
const FLEET_SAMPLES_KEPT = 360;

export interface RunningCorral {
  readonly services: CorralServices;
  readonly grpcPort: number;
  readonly apiUrl: string;
  readonly metricsUrl: string;
  /** Whether the dashboard is served at apiUrl/ (it is once `npm run build` has built it). */
  readonly dashboard: boolean;
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
    info: () => ({
      address: grpcAddress,
      startedAt,
      version: CORRAL_VERSION,
      draining: services.drain.isDraining,
    }),
    onError: (error) => failed('presence')(error),
  });
  const hub = new StreamHub(clock, presence);
  const secondsSince = (at: number | undefined) =>
    at === undefined ? 0 : Math.max(0, clock.now() - at) / 1000;
  // Store reads for the gauges: once per 2 s; when one fails, the last good value (see scrape-reading.ts).
  const storeReading = <T>(read: () => Promise<T>) =>
    scrapeReading(2000, read, (error) => failed('metrics-read')(error));
  const outboxBacklog = storeReading(() => backends.db.events.backlog(OUTBOX_COUNT_LIMIT));
  // Gauges read the services at scrape time; the services report counts as they happen.
  const metrics = new CorralMetrics({
    counts: storeReading(() => backends.db.agents.counts()),
    connectedStreams: () => hub.connectedCount(),
    liveAgents: () => services.tracker.size,
    pendingAgentWrites: () => services.tracker.pendingCount,
    heartbeatsReceived: () => services.tracker.heartbeatsReceived,
    eventsPublished: () => services.relay.published,
    commandCounts: storeReading(() => backends.db.commands.countsByStatus()),
    commandsDelivered: () => services.dispatcher.delivered,
    commandReportsStored: () => services.dispatcher.reportsStored,
    complianceCounts: storeReading(async () => (await services.configuration.compliance()).byCompliance),
    queueDepths: () => ({
      placement: services.scheduler.waiting,
      dispatch: services.dispatcher.depth().waiting,
    }),
    queueOldestAges: () => ({
      placement: secondsSince(services.scheduler.oldestWaitingSince()),
      dispatch: secondsSince(services.dispatcher.oldestWaitingSince()),
    }),
    outboxLag: async () => {
      const backlog = await outboxBacklog();
      return { events: backlog.events, oldestAgeSeconds: secondsSince(backlog.oldestOccurredAt) };
    },
    maintenanceMode: () => services.maintenance.current.enabled,
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
    drainableStreams: () => hub,
    drainPace: {
      waveSize: settings.DRAIN_WAVE_SIZE,
      waveIntervalMs: settings.DRAIN_WAVE_INTERVAL,
      graceMs: settings.SHUTDOWN_DRAIN_TIMEOUT,
      retryAfterMs: 1_000,
    },
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
  const background = backgroundTasks({
    settings,
    services,
    sweep,
    metrics,
    logger,
    failed,
    isLeader: () => leadership.isLeader,
    sharedPresence: backends.describe.cache !== 'memory',
  });

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
  const commandCounter = new CommandEventCounter();
  const liveFeed = new LiveFeed(
    backends.bus,
    services.events,
    new FleetSampler(
      async () => {
        const [agents, compliance] = await Promise.all([
          services.agents.statistics(),
          services.configuration.compliance(),
        ]);
        return {
          agents: {
            total: agents.total,
            connected: agents.connected,
            byStatus: agents.byStatus,
            byHealth: agents.byHealth,
          },
          compliance: compliance.byCompliance,
          commands: { created: commandCounter.created, finished: commandCounter.finished },
        };
      },
      clock,
      { intervalMs: settings.DASHBOARD_SAMPLE_INTERVAL, capacity: FLEET_SAMPLES_KEPT },
      failed('fleet-sampler'),
    ),
    instanceId,
    commandCounter,
  );
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
    liveFeed,
    onRequestDone: (method, route, status) =>
      metrics.httpRequests.inc({ method, route, status: String(status) }),
  });
  const metricsServer = new MetricsServer(metrics.registry);

  // An operator drain (ADR 0017): the instance's state and falling agent count reach presence at each
  // wave (one small write), and grpc.health.v1 says NOT_SERVING while it lasts. Shutdown stops the waves.
  services.drain.onProgress((status) => {
    grpcServer.setServing(status.state === 'serving');
    // A failed write reaches the keeper's onError; the next wave or refresh sends it again.
    presence.announce().catch(() => undefined);
  });
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
    // Idempotent stop: normally the second push runs, closing live sockets (1001) before HTTP closes.
    await liveFeed.start();
    stops.push(() => liveFeed.stop());
    await http.listen({ host: settings.ADMIN_API_ADDR.host, port: settings.ADMIN_API_ADDR.port });
    stops.push(() => http.close());
    stops.push(() => liveFeed.stop());
    await grpcServer.start();
    stops.push(() => grpcServer.stop());
    stops.push(async () => services.drain.close());
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
      dashboard: dashboardBuilt(fileURLToPath(DEFAULT_DASHBOARD_DIR)),
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
