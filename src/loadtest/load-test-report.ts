// The figures a load test ends with (and the snapshot its progress shows),
// computed from the command tracker by pure functions so that the arithmetic
// is tested without running anything. Times are milliseconds, rounded to 0.1.
import type { LatencyHistogram } from '../agent/latency-histogram.js';
import type { CommandTracker, FailedCommand } from './command-tracker.js';

export interface ResponseTimes {
  /** Commands whose outcome the server stored while we watched (the only ones timed). */
  readonly count: number;
  readonly average: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadTestReport {
  readonly agents: number;
  readonly commandsPerAgent: number;
  readonly types: readonly string[];
  /** agents × commandsPerAgent. */
  readonly plannedCommands: number;
  /** Commands the load test tried to create: fewer than planned when --duration or a signal cut it short. */
  readonly totalCommands: number;
  readonly successful: number;
  /** Refused by the API, or ended failed, rejected, cancelled, timed out, expired or unfinished. */
  readonly failed: number;
  readonly successPercent: number;
  readonly failedPercent: number;
  /** Commands by final status. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** From just before the POST to the moment the server stored the outcome. */
  readonly responseTimeMs: ResponseTimes;
  /** Timed commands per second over the sending window and the drain. */
  readonly throughputPerSecond: number;
  /** Enrollment and connection of every agent. */
  readonly connectMs: number;
  readonly sendingMs: number;
  /** From the last POST's answer until every outcome was in (or the drain timeout). */
  readonly drainMs: number;
  /** Stopped early by a signal. */
  readonly interrupted: boolean;
  readonly failureReasons: readonly { readonly reason: string; readonly count: number }[];
  /** The first failed commands, one by one. */
  readonly failedCommands: readonly FailedCommand[];
}

/** What a load test was asked to do and how long each stage took. */
export interface LoadTestRun {
  readonly agents: number;
  readonly commandsPerAgent: number;
  readonly types: readonly string[];
  readonly sent: number;
  readonly connectMs: number;
  readonly sendingMs: number;
  readonly drainMs: number;
  readonly interrupted: boolean;
}

export const LoadTestPhase = {
  Starting: 'starting',
  Connecting: 'connecting',
  Sending: 'sending',
  Draining: 'draining',
  Finishing: 'finishing',
} as const;
export type LoadTestPhase = (typeof LoadTestPhase)[keyof typeof LoadTestPhase];

/** A cheap snapshot for progress output. */
export interface LoadTestProgress {
  readonly phase: LoadTestPhase;
  readonly elapsedMs: number;
  readonly agents: number;
  readonly connected: number;
  readonly plannedCommands: number;
  readonly sent: number;
  /** POSTs not answered yet. */
  readonly inFlight: number;
  /** Created, outcome not stored yet. */
  readonly outstanding: number;
  readonly successful: number;
  readonly failed: number;
  /** Commands with a stored outcome so far (the throughput numerator). */
  readonly timed: number;
  readonly p95Ms: number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export const percentOf = (part: number, whole: number): number =>
  whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100;

export const perSecond = (count: number, ms: number): number => (ms <= 0 ? 0 : round1((count / ms) * 1_000));

export function responseTimes(histogram: LatencyHistogram): ResponseTimes {
  return {
    count: histogram.count,
    average: round1(histogram.mean),
    p95: round1(histogram.percentile(95)),
    p99: round1(histogram.percentile(99)),
    max: round1(histogram.max),
  };
}

export function buildReport(run: LoadTestRun, tracker: CommandTracker): LoadTestReport {
  const total = run.sent;
  const timed = tracker.responseTimes.count;
  return {
    agents: run.agents,
    commandsPerAgent: run.commandsPerAgent,
    types: run.types,
    plannedCommands: run.agents * run.commandsPerAgent,
    totalCommands: total,
    successful: tracker.successful,
    failed: tracker.failed,
    successPercent: percentOf(tracker.successful, total),
    failedPercent: percentOf(tracker.failed, total),
    outcomes: Object.fromEntries([...tracker.outcomes].sort(([a], [b]) => a.localeCompare(b))),
    responseTimeMs: responseTimes(tracker.responseTimes),
    throughputPerSecond: perSecond(timed, run.sendingMs + run.drainMs),
    connectMs: Math.round(run.connectMs),
    sendingMs: Math.round(run.sendingMs),
    drainMs: Math.round(run.drainMs),
    interrupted: run.interrupted,
    failureReasons: [...tracker.reasons]
      .sort((a, b) => b[1] - a[1])
      .map(([reason, count]) => ({ reason, count })),
    failedCommands: [...tracker.failedCommands],
  };
}
