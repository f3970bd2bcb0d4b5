// Corral's Prometheus metrics: names follow Prometheus conventions (corral_
// prefix, base units, _total counters) and no label ever holds an agent id.
// Seed 004's names map as: agent_connections → corral_agent_connections,
// grpc_requests → corral_grpc_requests_total, grpc_errors → corral_grpc_errors_total,
// system_memory_usage / system_cpu_usage → corral_process_resident_memory_bytes /
// corral_process_cpu_seconds_total (prom-client default metrics),
// agent_commands_received → corral_agent_commands_received_total{type},
// agent_commands_executed → corral_agent_commands_executed_total{type,status},
// command_execution_time → corral_command_execution_time_seconds{type},
// message_queue_depth → corral_message_queue_depth{queue} (this instance's
// in-memory command queues; the broker's queues are the broker's to export).
// The alerting rules and dashboards in deploy/monitoring use these names; a
// test keeps them in step (docs/monitoring.md lists every metric).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * prom-client's default metrics include gauges named *_total (sums of the
 * labelled gauges beside them); Prometheus reserves that suffix for counters
 * and `promtool check metrics` rejects them, so they are not exported.
 */
const NON_COUNTERS_NAMED_TOTAL = [
  'corral_nodejs_active_handles_total',
  'corral_nodejs_active_requests_total',
  'corral_nodejs_active_resources_total',
];

/** corral_outbox_events counts unpublished events up to this: the read stays bounded however far behind. */
export const OUTBOX_COUNT_LIMIT = 100_000;

/** The outbox, as the lag gauges show it. */
export interface OutboxLag {
  /** Unpublished events, counted up to OUTBOX_COUNT_LIMIT. */
  readonly events: number;
  /** Seconds since the oldest unpublished event occurred; 0 when none waits. */
  readonly oldestAgeSeconds: number;
}

export interface FleetGauges {
  /** Agents by status and by health, from the store (cached briefly by the caller). */
  counts(): Promise<{
    byStatus: Readonly<Record<string, number>>;
    byHealth: Readonly<Record<string, number>>;
  }>;
  connectedStreams(): number;
  liveAgents(): number;
  pendingAgentWrites(): number;
  heartbeatsReceived(): number;
  eventsPublished(): number;
  /** Commands (not bulk parents) by status, from the store (cached briefly by the caller). */
  commandCounts(): Promise<Readonly<Record<string, number>>>;
  commandsDelivered(): number;
  commandReportsStored(): number;
  /** Commands waiting in this instance's queues, by queue (placement, dispatch). */
  queueDepths(): Readonly<Record<string, number>>;
  /** Seconds the longest-waiting command of each queue has waited (0 when it is empty), by queue. */
  queueOldestAges(): Readonly<Record<string, number>>;
  /** The outbox's backlog, from the store (bounded read, cached briefly by the caller). */
  outboxLag(): Promise<OutboxLag>;
  /** Whether this instance holds non-emergency dispatch: the fleet's maintenance switch as it last read it. */
  maintenanceMode(): boolean;
  /** Agents by compliance (from the store, cached briefly by the caller). */
  complianceCounts(): Promise<Readonly<Record<string, number>>>;
  /** Failed cache, lease and presence operations since start, by operation (CACHE_URL's backend). */
  cacheFailures?(): Readonly<Record<string, number>>;
  /** Whether this instance leads, by lease name (background sweeps run on the leader only). */
  leadership?(): Readonly<Record<string, boolean>>;
}

export class CorralMetrics {
  readonly registry = new Registry();

  readonly grpcRequests = new Counter({
    name: 'corral_grpc_requests_total',
    help: 'gRPC calls received, by method.',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });

  readonly grpcErrors = new Counter({
    name: 'corral_grpc_errors_total',
    help: 'gRPC calls that ended with an error status, by method and status code.',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
  });

  readonly streamMessages = new Counter({
    name: 'corral_stream_messages_total',
    help: 'Messages on agent streams, by direction and kind.',
    labelNames: ['direction', 'kind'] as const,
    registers: [this.registry],
  });

  readonly flushDuration = new Histogram({
    name: 'corral_agent_state_flush_duration_seconds',
    help: 'Time to write one batch of agent live state to the store.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly flushRows = new Counter({
    name: 'corral_agent_state_rows_written_total',
    help: 'Agent rows written by batched live-state flushes.',
    registers: [this.registry],
  });

  readonly backgroundFailures = new Counter({
    name: 'corral_background_task_failures_total',
    help: 'Failed runs of background tasks, by task.',
    labelNames: ['task'] as const,
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'corral_http_requests_total',
    help: 'Admin API requests, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly commandsReceived = new Counter({
    name: 'corral_agent_commands_received_total',
    help: 'Per-agent commands accepted (created, or placed under a bulk parent), by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly commandsExecuted = new Counter({
    name: 'corral_agent_commands_executed_total',
    help: 'Commands that ended after reaching an agent connected to this instance, by type and final status.',
    labelNames: ['type', 'status'] as const,
    registers: [this.registry],
  });

  readonly commandExecutionTime = new Histogram({
    name: 'corral_command_execution_time_seconds',
    help: 'Time from sending a command to its agent to its final status being stored, by type.',
    labelNames: ['type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly desiredStateReports = new Counter({
    name: 'corral_desired_state_reports_total',
    help: 'Configuration and policy set reports from agents, by part (configuration, policies) and outcome (applied, failed).',
    labelNames: ['part', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly configDrifts = new Counter({
    name: 'corral_config_drifts_total',
    help: 'Agents found not running what they were sent past CONFIG_DRIFT_GRACE.',
    registers: [this.registry],
  });

  readonly agentsMarkedStale = new Counter({
    name: 'corral_agents_marked_stale_total',
    help: 'Agents the staleness sweep moved on after silence, by the status they moved to (offline after AGENT_TIMEOUT, inactive after MAX_INACTIVE_TIME). Counted by the instance leading the sweeps.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  constructor(fleet: FleetGauges) {
    collectDefaultMetrics({ register: this.registry, prefix: 'corral_' });
    for (const name of NON_COUNTERS_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    // Both series exist from the start, so increase() sees the first agent that goes silent.
    for (const status of ['offline', 'inactive']) this.agentsMarkedStale.inc({ status }, 0);
    this.registerCoordinationMetrics(fleet);
    this.registerBacklogMetrics(fleet);
    new Gauge({
      name: 'corral_agent_connections',
      help: 'Agent streams currently open on this instance.',
      registers: [this.registry],
      collect() {
        this.set(fleet.connectedStreams());
      },
    });
    new Gauge({
      name: 'corral_agents_live',
      help: 'Agents whose live state this instance holds in memory.',
      registers: [this.registry],
      collect() {
        this.set(fleet.liveAgents());
      },
    });
    new Gauge({
      name: 'corral_agent_state_pending',
      help: 'Agents with live-state changes not yet written to the store.',
      registers: [this.registry],
      collect() {
        this.set(fleet.pendingAgentWrites());
      },
    });
    new Counter({
      name: 'corral_heartbeats_received_total',
      help: 'Heartbeats received from agents (stream and unary).',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(fleet.heartbeatsReceived());
      },
    });
    new Counter({
      name: 'corral_events_published_total',
      help: 'Events relayed from the outbox to the bus.',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(fleet.eventsPublished());
      },
    });
    new Gauge({
      name: 'corral_commands',
      help: 'Commands by lifecycle status (bulk parents excluded).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await fleet.commandCounts();
        this.reset();
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      },
    });
    new Counter({
      name: 'corral_commands_delivered_total',
      help: 'Commands sent to agents, redeliveries included.',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(fleet.commandsDelivered());
      },
    });
    new Counter({
      name: 'corral_command_reports_total',
      help: 'Command receipts and updates from agents stored.',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(fleet.commandReportsStored());
      },
    });
    new Gauge({
      name: 'corral_message_queue_depth',
      help: "Commands waiting in this instance's queues: placement (capability targets) and dispatch (agents' lanes).",
      labelNames: ['queue'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [queue, depth] of Object.entries(fleet.queueDepths())) this.set({ queue }, depth);
      },
    });
    new Gauge({
      name: 'corral_agents_by_compliance',
      help: 'Agents by compliance (unknown, pending, compliant, non_compliant).',
      labelNames: ['compliance'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await fleet.complianceCounts();
        this.reset();
        for (const [compliance, count] of Object.entries(counts)) this.set({ compliance }, count);
      },
    });
    new Gauge({
      name: 'corral_agents',
      help: 'Agents by connectivity status (online, offline, inactive, decommissioned).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await fleet.counts();
        this.reset();
        for (const [status, count] of Object.entries(counts.byStatus)) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'corral_agents_by_health',
      help: 'Agents (not decommissioned) by component health (unknown, healthy, degraded, unhealthy).',
      labelNames: ['health'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await fleet.counts();
        this.reset();
        for (const [health, count] of Object.entries(counts.byHealth)) this.set({ health }, count);
      },
    });
  }

  /** How far behind the work is: the command queues' oldest entries, the outbox, maintenance holds. */
  private registerBacklogMetrics(fleet: FleetGauges): void {
    new Gauge({
      name: 'corral_message_queue_oldest_age_seconds',
      help: "Seconds the longest-waiting command in each of this instance's queues has waited: placement (since its creation) and dispatch (since its creation or its agent's connection here, whichever is later). 0 when the queue is empty.",
      labelNames: ['queue'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [queue, age] of Object.entries(fleet.queueOldestAges())) this.set({ queue }, age);
      },
    });
    // Both read the same (cached) store read: one query per cache period, however many gauges and scrapes.
    new Gauge({
      name: 'corral_outbox_events',
      help: `Events committed but not yet published to the bus (fleet-wide, from the store; counted up to ${OUTBOX_COUNT_LIMIT}).`,
      registers: [this.registry],
      async collect() {
        this.set((await fleet.outboxLag()).events);
      },
    });
    new Gauge({
      name: 'corral_outbox_oldest_age_seconds',
      help: 'Seconds since the oldest event not yet published to the bus occurred (fleet-wide, from the store). 0 when the outbox is empty.',
      registers: [this.registry],
      async collect() {
        this.set((await fleet.outboxLag()).oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'corral_maintenance_mode',
      help: "Whether this instance holds non-emergency command dispatch (1) or not (0): the fleet's maintenance mode as this instance last read it (within 2 s).",
      registers: [this.registry],
      collect() {
        this.set(fleet.maintenanceMode() ? 1 : 0);
      },
    });
  }

  private registerCoordinationMetrics(fleet: FleetGauges): void {
    new Counter({
      name: 'corral_cache_errors_total',
      help: 'Failed operations on the cache backend (cache, leases, presence, connection), by operation.',
      labelNames: ['operation'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [operation, count] of Object.entries(fleet.cacheFailures?.() ?? {}))
          this.inc({ operation }, count);
      },
    });
    new Gauge({
      name: 'corral_leader',
      help: 'Whether this instance holds the lease (1) or not (0), by lease name.',
      labelNames: ['lease'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [lease, leading] of Object.entries(fleet.leadership?.() ?? {}))
          this.set({ lease }, leading ? 1 : 0);
      },
    });
  }
}
