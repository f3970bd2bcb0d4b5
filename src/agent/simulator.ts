// Many simulated agents in one process, for load tests and demos: each is a
// real AgentClient (same code as the reference agent) with an in-memory
// identity, synthetic metrics, light command handlers (a scan paces and
// reports but burns no CPU) and, by default, its own TCP connection. Agents
// start evenly over the ramp-up; progress is reported at an interval; the run
// ends on stop(), after its duration, or when every agent has been refused.
import { CORRAL_VERSION } from '../app/version.js';
import type { AgentFacts } from '../gen/proto/corral/agent/v1/AgentFacts.js';
import { invalidArgument } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { silentLogger } from '../shared/logger.js';
import { AgentClient } from './agent-client.js';
import type { CommandUpdateRecord, FailureModes } from './commands/command-types.js';
import { builtinHandlers } from './commands/handlers/builtin-handlers.js';
import type { BackoffOptions, RandomSource } from './backoff.js';
import { MemoryIdentityStore } from './identity-store.js';
import type { SimulationReport, SimulationStats, SimulationSummary } from './simulation-stats.js';
import { SimulationCounters } from './simulation-stats.js';
import { sleep } from './sleep.js';
import { SyntheticMetrics } from './synthetic-metrics.js';

export type { SimulationReport, SimulationStats, SimulationSummary } from './simulation-stats.js';

export interface SimulationOptions {
  /** One address, or several instances of one fleet: each agent rotates through them (agent-client.ts). */
  readonly serverAddress: string | readonly string[];
  readonly enrollmentSecret: string;
  readonly agents: number;
  /** Time over which agent starts are spread evenly; 0 starts them all at once. */
  readonly rampUpMs?: number;
  /** Fixed heartbeat interval; by default the configuration's reportIntervalSeconds, else the server's. */
  readonly heartbeatIntervalMs?: number;
  /**
   * Heartbeat interval until every agent has started (needs heartbeatIntervalMs):
   * lets a benchmark enroll a large fleet gently, then load it at full rate.
   */
  readonly warmupIntervalMs?: number;
  /** Agent ids are `${idPrefix}-${n}`, n from 1. */
  readonly idPrefix?: string;
  /** Stop after this long; 0 runs until stop(). */
  readonly durationMs?: number;
  /** Progress reports every this often (0: none). */
  readonly reportIntervalMs?: number;
  readonly onReport?: (report: SimulationReport) => void;
  readonly tls?: boolean;
  readonly caFile?: string;
  /** One TCP connection per agent, as a real fleet has (default), or one shared by all. */
  readonly separateConnections?: boolean;
  /** Per heartbeat chance that an agent starts a degraded episode. */
  readonly degradeProbability?: number;
  /**
   * Simulated misbehaviour for every agent. With crashAfter, an agent drops
   * its connection and restarts in place with its identity (and seen ids).
   */
  readonly failureModes?: FailureModes;
  /** Commands each agent runs at once (default 4). */
  readonly maxConcurrentCommands?: number;
  /** Each agent's memory budget for events in KiB (default 65536): larger configurations are refused. */
  readonly maxEventBufferKiB?: number;
  /** 0-1: share of agents that refuse every configuration (drawn once per agent), to exercise compliance. */
  readonly rejectConfigRate?: number;
  /** Commands each agent takes at once, running plus queued (default 4 × concurrency). */
  readonly commandCapacity?: number;
  readonly backoff?: BackoffOptions;
  readonly logger?: Logger;
  readonly random?: RandomSource;
  /** The server stored a command update of the agent `agentId` (see AgentClientOptions.onUpdateStored). */
  readonly onUpdateStored?: (update: CommandUpdateRecord, agentId: string) => void;
}

export interface SimulationHandle {
  /** Numbers so far; cheap to call. */
  stats(): SimulationStats;
  /** Settles with the summary once the simulation has fully stopped. */
  readonly done: Promise<SimulationSummary>;
  /** Stops every agent (terminating their sessions) and resolves with the summary; idempotent. */
  stop(): Promise<SimulationSummary>;
}

export const MAX_SIMULATED_AGENTS = 100_000;
const AGENT_TYPES = ['blocking', 'scanner', 'monitor'] as const;
const CAPABILITIES: Record<(typeof AGENT_TYPES)[number], string[]> = {
  blocking: ['block', 'quarantine'],
  scanner: ['scan', 'inventory'],
  monitor: ['observe'],
};
/** Stopping thousands of agents at once would be a TerminateSession storm of our own making. */
const STOP_CONCURRENCY = 256;

/** Starts a simulation; it runs in the background until stopped. */
export function runSimulation(options: SimulationOptions): SimulationHandle {
  validate(options);
  return new Simulation(options);
}

class Simulation implements SimulationHandle {
  readonly done: Promise<SimulationSummary>;
  private readonly clients: AgentClient[] = [];
  private readonly counters: SimulationCounters;
  private readonly halt = new AbortController();
  private readonly logger: Logger;
  private readonly random: RandomSource;
  private readonly startedAtMs = performance.now();
  /** Handlers hold no per-agent state: one set serves the whole fleet. */
  private readonly handlers = builtinHandlers({ scan: { work: 'light' } });
  private reportTimer: NodeJS.Timeout | undefined;
  private durationTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<SimulationSummary> | undefined;
  /** Every agent has started and connected (or given up): warm-up is over. */
  private allStarted = false;
  private warmupTimer: NodeJS.Timeout | undefined;
  private resolveDone: (summary: SimulationSummary) => void = () => undefined;

  constructor(private readonly options: SimulationOptions) {
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.counters = new SimulationCounters(options.agents, () => performance.now(), this.startedAtMs);
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    const reportIntervalMs = options.reportIntervalMs ?? 5_000;
    if (reportIntervalMs > 0 && options.onReport) {
      const onReport = options.onReport;
      this.reportTimer = setInterval(() => onReport(this.counters.report()), reportIntervalMs);
    }
    if ((options.durationMs ?? 0) > 0) {
      this.durationTimer = setTimeout(() => void this.stop(), options.durationMs);
    }
    void this.rampUp().then(() => this.watchWarmup());
  }

  private watchWarmup(): void {
    if (this.options.warmupIntervalMs === undefined) return;
    this.warmupTimer = setInterval(() => {
      const { connected, failed } = this.counters.stats();
      if (connected + failed < this.options.agents) return;
      this.allStarted = true;
      clearInterval(this.warmupTimer);
    }, 250);
  }

  stats(): SimulationStats {
    return this.counters.stats();
  }

  stop(): Promise<SimulationSummary> {
    this.stopping ??= (async () => {
      this.halt.abort();
      clearInterval(this.reportTimer);
      clearInterval(this.warmupTimer);
      clearTimeout(this.durationTimer);
      await forEachLimited(this.clients, STOP_CONCURRENCY, (client) => client.stop('simulation finished'));
      const summary = this.counters.summary();
      this.resolveDone(summary);
      return summary;
    })();
    return this.stopping;
  }

  /** Starts agent n at startedAt + (n - 1) * rampUp / agents, catching up in batches when behind. */
  private async rampUp(): Promise<void> {
    const { agents } = this.options;
    const stepMs = (this.options.rampUpMs ?? 0) / agents;
    for (let n = 1; n <= agents && !this.halt.signal.aborted;) {
      const waitMs = this.startedAtMs + (n - 1) * stepMs - performance.now();
      if (waitMs >= 1) {
        await sleep(waitMs, this.halt.signal);
        continue;
      }
      this.launch(n);
      n += 1;
      // Yield now and then so that a large burst does not starve the event loop.
      if (n % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private heartbeatInterval(): number | (() => number) | undefined {
    const { heartbeatIntervalMs, warmupIntervalMs } = this.options;
    if (warmupIntervalMs === undefined || heartbeatIntervalMs === undefined) return heartbeatIntervalMs;
    return () => (this.allStarted ? heartbeatIntervalMs : warmupIntervalMs);
  }

  private launch(n: number): void {
    const startedAt = performance.now();
    const metrics = new SyntheticMetrics({
      random: this.random,
      degradeProbability: this.options.degradeProbability,
      uptimeSeconds: () => (performance.now() - startedAt) / 1_000,
    });
    const facts = simulatedFacts(this.options.idPrefix ?? 'sim', n);
    const { agentId } = facts;
    const { onUpdateStored } = this.options;
    const client = new AgentClient({
      serverAddress: this.options.serverAddress,
      tls: this.options.tls,
      caFile: this.options.caFile,
      separateConnection: this.options.separateConnections ?? true,
      userAgent: `corral-simulator/${CORRAL_VERSION}`,
      enrollmentSecret: this.options.enrollmentSecret,
      facts,
      identityStore: new MemoryIdentityStore(),
      metrics: () => metrics.sample(),
      heartbeatIntervalMs: this.heartbeatInterval(),
      // The simulation's --log-level governs: thousands of agents must not turn chatty on a configuration.
      logLevelFixed: true,
      maxEventBufferKiB: this.options.maxEventBufferKiB,
      rejectConfigurations: rejectsConfigurations(this.options.rejectConfigRate ?? 0, this.random),
      commandHandlers: this.handlers,
      ...(this.options.failureModes === undefined ? {} : { failureModes: this.options.failureModes }),
      ...(this.options.maxConcurrentCommands === undefined
        ? {}
        : { maxConcurrentCommands: this.options.maxConcurrentCommands }),
      ...(this.options.commandCapacity === undefined
        ? {}
        : { commandCapacity: this.options.commandCapacity }),
      ...(onUpdateStored === undefined
        ? {}
        : { onUpdateStored: (update: CommandUpdateRecord) => onUpdateStored(update, agentId) }),
      backoff: this.options.backoff,
      random: this.random,
      logger: this.logger.child({ agentId }),
    });
    this.counters.watch(client);
    client.on('stopped', () => {
      if (this.counters.allFailed) {
        this.logger.error('every simulated agent was refused; ending the simulation');
        void this.stop();
      }
    });
    this.clients.push(client);
    client.start();
  }
}

export function simulatedFacts(prefix: string, n: number): AgentFacts & { readonly agentId: string } {
  const type = AGENT_TYPES[n % AGENT_TYPES.length] ?? 'monitor';
  return {
    agentId: `${prefix}-${n}`,
    name: `${prefix} agent ${n}`,
    hostname: `${prefix}-host-${n}`,
    ipAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    version: CORRAL_VERSION,
    type,
    capabilities: CAPABILITIES[type],
    labels: { simulated: 'true', zone: `zone-${n % 4}` },
    platform: 'linux/x64',
  };
}

function validate(options: SimulationOptions): void {
  const { agents } = options;
  if (!Number.isInteger(agents) || agents < 1 || agents > MAX_SIMULATED_AGENTS) {
    throw invalidArgument(`agents must be a whole number from 1 to ${MAX_SIMULATED_AGENTS}, got ${agents}`);
  }
  for (const [name, value] of Object.entries({
    rampUpMs: options.rampUpMs,
    durationMs: options.durationMs,
    reportIntervalMs: options.reportIntervalMs,
  })) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw invalidArgument(`${name} must be a duration >= 0, got ${value}`);
    }
  }
  if (!options.enrollmentSecret) throw invalidArgument('an enrollment secret is required');
  const modes = options.failureModes ?? {};
  for (const [name, value] of Object.entries({
    'failureModes.failRate': modes.failRate,
    'failureModes.stallRate': modes.stallRate,
    rejectConfigRate: options.rejectConfigRate,
  })) {
    if (value !== undefined && !(value >= 0 && value <= 1)) {
      throw invalidArgument(`${name} must be from 0 to 1, got ${value}`);
    }
  }
  const budget = options.maxEventBufferKiB;
  if (budget !== undefined && !(Number.isInteger(budget) && budget >= 1)) {
    throw invalidArgument(`maxEventBufferKiB must be a whole number of at least 1, got ${budget}`);
  }
  if (
    modes.addedLatencyMs !== undefined &&
    !(Number.isFinite(modes.addedLatencyMs) && modes.addedLatencyMs >= 0)
  ) {
    throw invalidArgument(`failureModes.addedLatencyMs must be a duration >= 0, got ${modes.addedLatencyMs}`);
  }
  if (modes.crashAfter !== undefined && !(Number.isInteger(modes.crashAfter) && modes.crashAfter >= 0)) {
    throw invalidArgument(`failureModes.crashAfter must be a whole number, got ${modes.crashAfter}`);
  }
  const longestId = `${options.idPrefix ?? 'sim'}-${agents}`;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(longestId)) {
    throw invalidArgument(`id prefix ${JSON.stringify(options.idPrefix)} does not make valid agent ids`);
  }
}

const rejectsConfigurations = (rate: number, random: RandomSource): boolean => rate > 0 && random() < rate;

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
