// Fleet-wide numbers for a simulation: counters fed by the agents' events,
// heartbeat round-trip latency, failure reasons, and the per-interval rates
// shown in progress reports. Counting events (rather than polling every agent)
// keeps the cost flat however many agents run.
import type { AgentClient } from './agent-client.js';
import type { LatencySummary } from './latency-histogram.js';
import { LatencyHistogram } from './latency-histogram.js';

export interface SimulationStats {
  /** Agents asked for. */
  readonly agents: number;
  readonly started: number;
  readonly connected: number;
  readonly peakConnected: number;
  /** Agents that stopped for good (credential or enrollment refused). */
  readonly failed: number;
  readonly heartbeatsSent: number;
  readonly heartbeatsAcked: number;
  readonly reconnects: number;
  readonly sessionRefreshes: number;
  /** Failed connection attempts and dropped streams, all agents together. */
  readonly errors: number;
  /** Configurations and policy sets the agents applied or refused (repeats of a running hash not counted). */
  readonly configurationsApplied: number;
  readonly configurationsFailed: number;
  readonly policySetsApplied: number;
  readonly policySetsFailed: number;
  readonly elapsedMs: number;
}

export interface SimulationReport extends SimulationStats {
  readonly intervalMs: number;
  readonly heartbeatsSentPerSecond: number;
  readonly heartbeatsAckedPerSecond: number;
  readonly newErrors: number;
  /** Heartbeat-to-ack round trips during the interval. */
  readonly ackLatencyMs: LatencySummary;
}

export interface SimulationSummary extends SimulationStats {
  readonly heartbeatsSentPerSecond: number;
  readonly heartbeatsAckedPerSecond: number;
  readonly ackLatencyMs: LatencySummary;
  /** Most frequent error messages, with how often they occurred. */
  readonly topErrors: readonly { readonly error: string; readonly count: number }[];
}

const MAX_DISTINCT_ERRORS = 50;
/** Sent-at times kept per agent for matching acks; acks are cumulative, so old entries can go. */
const MAX_PENDING_PER_AGENT = 64;

export class SimulationCounters {
  started = 0;
  private connected = 0;
  private peakConnected = 0;
  private failed = 0;
  private sent = 0;
  private acked = 0;
  private reconnects = 0;
  private refreshes = 0;
  private errors = 0;
  private readonly desired = { configApplied: 0, configFailed: 0, policyApplied: 0, policyFailed: 0 };
  private readonly errorMessages = new Map<string, number>();
  private readonly totalLatency = new LatencyHistogram();
  private readonly intervalLatency = new LatencyHistogram();
  private lastReport = { atMs: 0, sent: 0, acked: 0, errors: 0 };

  constructor(
    private readonly agents: number,
    private readonly now: () => number,
    private readonly startedAtMs: number,
  ) {
    this.lastReport.atMs = startedAtMs;
  }

  /** Subscribes to one agent's events. */
  watch(client: AgentClient): void {
    this.started += 1;
    const sentAt = new Map<number, number>();
    let lastAcked = 0;
    let everConnected = false;
    client.on('connected', () => {
      if (everConnected) this.reconnects += 1;
      everConnected = true;
      this.connected += 1;
      this.peakConnected = Math.max(this.peakConnected, this.connected);
    });
    client.on('disconnected', () => {
      this.connected -= 1;
    });
    client.on('heartbeatSent', ({ sequence }) => {
      this.sent += 1;
      sentAt.set(sequence, this.now());
      if (sentAt.size > MAX_PENDING_PER_AGENT) sentAt.delete(sentAt.keys().next().value as number);
    });
    client.on('heartbeatAcked', ({ sequence }) => {
      // Acks are cumulative: one covers every heartbeat up to its sequence.
      this.acked += Math.max(0, sequence - lastAcked);
      lastAcked = Math.max(lastAcked, sequence);
      const at = sentAt.get(sequence);
      if (at !== undefined) {
        const latency = this.now() - at;
        this.totalLatency.record(latency);
        this.intervalLatency.record(latency);
      }
      for (const key of sentAt.keys()) if (key <= sequence) sentAt.delete(key);
    });
    client.on('sessionRefreshed', () => {
      this.refreshes += 1;
    });
    client.on('retrying', ({ error }) => {
      if (error === undefined) return;
      this.errors += 1;
      this.noteError(error);
    });
    client.on('configurationOutcome', ({ applied, unchanged }) => {
      if (!unchanged) this.desired[applied ? 'configApplied' : 'configFailed'] += 1;
    });
    client.on('policySetOutcome', ({ applied, unchanged }) => {
      if (!unchanged) this.desired[applied ? 'policyApplied' : 'policyFailed'] += 1;
    });
    client.on('stopped', (result) => {
      if (!result.failed) return;
      this.failed += 1;
      this.noteError(result.error.message);
    });
  }

  get allFailed(): boolean {
    return this.started === this.agents && this.failed === this.agents;
  }

  stats(): SimulationStats {
    return {
      agents: this.agents,
      started: this.started,
      connected: this.connected,
      peakConnected: this.peakConnected,
      failed: this.failed,
      heartbeatsSent: this.sent,
      heartbeatsAcked: this.acked,
      reconnects: this.reconnects,
      sessionRefreshes: this.refreshes,
      errors: this.errors,
      configurationsApplied: this.desired.configApplied,
      configurationsFailed: this.desired.configFailed,
      policySetsApplied: this.desired.policyApplied,
      policySetsFailed: this.desired.policyFailed,
      elapsedMs: Math.max(0, Math.round(this.now() - this.startedAtMs)),
    };
  }

  /** Rates since the previous report; starts a new interval. */
  report(): SimulationReport {
    const stats = this.stats();
    const now = this.now();
    const intervalMs = Math.max(1, now - this.lastReport.atMs);
    const report: SimulationReport = {
      ...stats,
      intervalMs,
      heartbeatsSentPerSecond: perSecond(stats.heartbeatsSent - this.lastReport.sent, intervalMs),
      heartbeatsAckedPerSecond: perSecond(stats.heartbeatsAcked - this.lastReport.acked, intervalMs),
      newErrors: stats.errors - this.lastReport.errors,
      ackLatencyMs: this.intervalLatency.summary(),
    };
    this.intervalLatency.reset();
    this.lastReport = {
      atMs: now,
      sent: stats.heartbeatsSent,
      acked: stats.heartbeatsAcked,
      errors: stats.errors,
    };
    return report;
  }

  summary(): SimulationSummary {
    const stats = this.stats();
    const elapsed = Math.max(1, stats.elapsedMs);
    const topErrors = [...this.errorMessages.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([error, count]) => ({ error, count }));
    return {
      ...stats,
      heartbeatsSentPerSecond: perSecond(stats.heartbeatsSent, elapsed),
      heartbeatsAckedPerSecond: perSecond(stats.heartbeatsAcked, elapsed),
      ackLatencyMs: this.totalLatency.summary(),
      topErrors,
    };
  }

  private noteError(raw: string): void {
    // Agent ids and other quoted values differ per agent; the reason is what matters.
    const message = raw.replace(/"[^"]*"/g, '"…"');
    const known = this.errorMessages.get(message);
    if (known !== undefined) this.errorMessages.set(message, known + 1);
    else if (this.errorMessages.size < MAX_DISTINCT_ERRORS) this.errorMessages.set(message, 1);
  }
}

const perSecond = (count: number, ms: number): number => Math.round((count / ms) * 10_000) / 10;
