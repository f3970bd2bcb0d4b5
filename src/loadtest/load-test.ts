// `corral loadtest` as a class that tests drive directly (seed 004, "Load
// Testing"): creates an enrollment secret, starts its own simulated agents,
// waits until all are connected, creates agents × commandsPerAgent
// single-agent commands through the admin API, and times each from just
// before its POST to the moment the server stored its outcome (as the agent
// learns it from its update receipt). It lives in src/loadtest/, not in
// src/agent/ or src/cli/, because it drives both sides: the admin API and the
// agents' wire protocol.
import type { FailureModes } from '../agent/commands/command-types.js';
import type { RandomSource } from '../agent/backoff.js';
import type { SimulationHandle } from '../agent/simulator.js';
import { runSimulation, simulatedFacts } from '../agent/simulator.js';
import { sleep } from '../agent/sleep.js';
import type { AdminClient } from '../cli/admin-client.js';
import { unavailable } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { CommandTracker, type SentCommand } from './command-tracker.js';
import { CommandRefused, LoadTestApi } from './load-test-api.js';
import type { LoadTestProgress, LoadTestReport } from './load-test-report.js';
import { LoadTestPhase, buildReport } from './load-test-report.js';
import { runPaced, typePicker, TypeOrder } from './send-schedule.js';

export interface LoadTestOptions {
  /** The admin API of the server under test (operator role at least). */
  readonly api: AdminClient;
  /** Its gRPC agent endpoint, host:port. */
  readonly serverAddress: string;
  readonly agents: number;
  readonly commandsPerAgent: number;
  readonly types: readonly string[];
  /** Parameters by command type; a type without any gets the server's defaults. */
  readonly params?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly typeOrder?: TypeOrder;
  /** Agent starts spread over this time. */
  readonly rampUpMs?: number;
  /** Stop sending after this long; 0 sends every command. */
  readonly durationMs?: number;
  /** Target commands per second overall; 0: as fast as `concurrency` requests in flight allow. */
  readonly ratePerSecond?: number;
  readonly concurrency?: number;
  /** How long, after the ramp-up, every agent may take to connect before the run fails. */
  readonly connectTimeoutMs?: number;
  /** How long to wait for outcomes after the last POST; then the server is asked about the rest. */
  readonly drainTimeoutMs?: number;
  /** Agent ids are `${idPrefix}-1` … `${idPrefix}-N`; must be new to the server. */
  readonly idPrefix: string;
  readonly tls?: boolean;
  readonly caFile?: string;
  readonly failureModes?: FailureModes;
  readonly random?: RandomSource;
  readonly logger?: Logger;
  /** Aborting stops sending and waiting; the report covers what was sent. */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

const DEFAULTS = { concurrency: 16, connectTimeoutMs: 60_000, drainTimeoutMs: 60_000 } as const;
const CONNECT_CHECK_MS = 50;

export class LoadTest {
  private readonly api: LoadTestApi;
  private readonly tracker: CommandTracker;
  private readonly now: () => number;
  private readonly signal: AbortSignal;
  private readonly startedAtMs: number;
  private phase: LoadTestPhase = LoadTestPhase.Starting;
  private simulation: SimulationHandle | undefined;
  private sent = 0;
  private inFlight = 0;

  constructor(private readonly options: LoadTestOptions) {
    this.api = new LoadTestApi(options.api);
    this.now = options.now ?? (() => performance.now());
    this.signal = options.signal ?? new AbortController().signal;
    this.tracker = new CommandTracker(this.now);
    this.startedAtMs = this.now();
  }

  progress(): LoadTestProgress {
    const { tracker } = this;
    return {
      phase: this.phase,
      elapsedMs: Math.round(this.now() - this.startedAtMs),
      agents: this.options.agents,
      connected: this.simulation?.stats().connected ?? 0,
      plannedCommands: this.options.agents * this.options.commandsPerAgent,
      sent: this.sent,
      inFlight: this.inFlight,
      outstanding: tracker.outstanding,
      successful: tracker.successful,
      failed: tracker.failed,
      timed: tracker.responseTimes.count,
      p95Ms: Math.round(tracker.responseTimes.percentile(95) * 10) / 10,
    };
  }

  /** Runs once; rejects when the run itself failed (API unreachable, agents not connected). */
  async run(): Promise<LoadTestReport> {
    const { options } = this;
    const secret = await this.api.enrollmentSecret(`corral loadtest ${options.idPrefix}`, options.agents);
    this.phase = LoadTestPhase.Connecting;
    const simulation = runSimulation({
      serverAddress: options.serverAddress,
      enrollmentSecret: secret,
      agents: options.agents,
      rampUpMs: options.rampUpMs ?? 0,
      idPrefix: options.idPrefix,
      reportIntervalMs: 0,
      tls: options.tls,
      caFile: options.caFile,
      failureModes: options.failureModes,
      random: options.random,
      logger: options.logger,
      onUpdateStored: (update) => this.tracker.stored(update),
    });
    this.simulation = simulation;
    try {
      const connectMs = await this.connectAll(simulation);
      this.phase = LoadTestPhase.Sending;
      const sendStartedAt = this.now();
      await this.sendAll();
      const drainStartedAt = this.now();
      this.phase = LoadTestPhase.Draining;
      await this.drain();
      const drainMs = this.now() - drainStartedAt;
      const sendingMs = drainStartedAt - sendStartedAt;
      this.phase = LoadTestPhase.Finishing;
      await this.settleLeftovers();
      return buildReport(
        {
          agents: options.agents,
          commandsPerAgent: options.commandsPerAgent,
          types: options.types,
          sent: this.sent,
          connectMs,
          sendingMs,
          drainMs,
          interrupted: this.signal.aborted,
        },
        this.tracker,
      );
    } finally {
      this.phase = LoadTestPhase.Finishing;
      await simulation.stop();
    }
  }

  /** Waits until every agent is connected; returns how long that took. */
  private async connectAll(simulation: SimulationHandle): Promise<number> {
    const { agents } = this.options;
    const startedAt = this.now();
    const deadline =
      startedAt + (this.options.rampUpMs ?? 0) + (this.options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs);
    for (;;) {
      const { connected, failed } = simulation.stats();
      if (connected >= agents) return this.now() - startedAt;
      if (failed > 0 || this.now() >= deadline || this.signal.aborted) {
        const reason = (await simulation.stop()).topErrors[0]?.error;
        const why =
          failed > 0 ? `, ${failed} refused` : this.signal.aborted ? ' before the signal' : ' in time';
        throw unavailable(
          `${connected} of ${agents} simulated agents connected${why}${reason ? `: ${reason}` : ''}`,
        );
      }
      await sleep(CONNECT_CHECK_MS, this.signal);
    }
  }

  private async sendAll(): Promise<void> {
    const { options } = this;
    const agentIds = Array.from(
      { length: options.agents },
      (_, i) => simulatedFacts(options.idPrefix, i + 1).agentId,
    );
    const typeOf = typePicker(
      options.types,
      options.typeOrder ?? TypeOrder.Rotate,
      options.random ?? Math.random,
    );
    const stopSending =
      (options.durationMs ?? 0) > 0
        ? AbortSignal.any([this.signal, AbortSignal.timeout(options.durationMs ?? 0)])
        : this.signal;
    await runPaced(
      {
        count: options.agents * options.commandsPerAgent,
        concurrency: options.concurrency ?? DEFAULTS.concurrency,
        ratePerSecond: options.ratePerSecond ?? 0,
        signal: stopSending,
        now: this.now,
      },
      (n) => this.sendOne(agentIds[n % agentIds.length] as string, typeOf(n)),
    );
  }

  private async sendOne(agentId: string, type: string): Promise<void> {
    this.sent += 1;
    this.inFlight += 1;
    const sent: SentCommand = { agentId, type, sentAtMs: this.now() };
    try {
      this.tracker.accepted(await this.api.createCommand(agentId, type, this.options.params?.[type]), sent);
    } catch (error) {
      // Anything but a refusal means no answer at all: the server is gone, and the run with it.
      if (!(error instanceof CommandRefused)) throw error;
      this.tracker.refused(sent, error.message);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async drain(): Promise<void> {
    const timeout = new AbortController();
    const stop = AbortSignal.any([this.signal, timeout.signal]);
    await Promise.race([
      this.tracker.whenSettled(),
      sleep(this.options.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs, stop),
    ]);
    timeout.abort();
  }

  /** Asks the server how the commands without a stored outcome ended, if they did. */
  private async settleLeftovers(): Promise<void> {
    const ids = this.tracker.outstandingIds();
    await runPaced(
      {
        count: ids.length,
        concurrency: this.options.concurrency ?? DEFAULTS.concurrency,
        signal: new AbortController().signal,
        now: this.now,
      },
      async (n) => {
        const id = ids[n] as string;
        const { status, reason } = await this.api.finalStatus(id);
        this.tracker.settle(id, status, reason);
      },
    );
  }
}
