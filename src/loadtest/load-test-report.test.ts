// The load test's figures: totals add up, percentages and throughput are
// computed from the right numbers, and the percentiles are ordered.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { updateRecord } from '../agent/commands/command-test-helpers.js';
import { LatencyHistogram } from '../agent/latency-histogram.js';
import { CommandTracker } from './command-tracker.js';
import { buildReport, percentOf, perSecond, responseTimes, type LoadTestRun } from './load-test-report.js';

const run: LoadTestRun = {
  agents: 2,
  commandsPerAgent: 3,
  types: ['ping'],
  sent: 6,
  connectMs: 40,
  sendingMs: 1_500,
  drainMs: 500,
  interrupted: false,
};

describe('buildReport', () => {
  it('adds up outcomes, percentages, response times and throughput', () => {
    let nowMs = 0;
    const tracker = new CommandTracker(() => nowMs);
    for (const [id, latency] of [
      ['a', 10],
      ['b', 20],
      ['c', 30],
      ['d', 40],
    ] as const) {
      tracker.accepted(id, { agentId: 'lt-1', type: 'ping', sentAtMs: 0 });
      nowMs = latency;
      tracker.stored(
        updateRecord({
          commandId: id,
          phase: id === 'd' ? 'COMMAND_PHASE_FAILED' : 'COMMAND_PHASE_SUCCEEDED',
        }),
      );
    }
    tracker.refused({ agentId: 'lt-2', type: 'ping', sentAtMs: 0 }, '429 Too many requests');
    tracker.accepted('e', { agentId: 'lt-2', type: 'ping', sentAtMs: 0 });
    tracker.settle('e', 'expired', 'expired (no outcome from the agent)');

    const report = buildReport(run, tracker);
    expect(report).toMatchObject({
      plannedCommands: 6,
      totalCommands: 6,
      successful: 3,
      failed: 3,
      successPercent: 50,
      failedPercent: 50,
      outcomes: { expired: 1, failed: 1, refused: 1, succeeded: 3 },
      responseTimeMs: { count: 4, average: 25, max: 40 },
      // 4 stored outcomes over 1.5 s of sending and 0.5 s of drain.
      throughputPerSecond: 2,
      connectMs: 40,
      sendingMs: 1_500,
      drainMs: 500,
    });
    expect(report.failureReasons.map((r) => r.count)).toEqual([1, 1, 1]);
    expect(report.failedCommands.map((c) => c.status)).toEqual(['failed', 'refused', 'expired']);
    expect(report.responseTimeMs.p95).toBeLessThanOrEqual(report.responseTimeMs.p99);
  });

  it('reports zeros, not NaN, when nothing was sent', () => {
    const report = buildReport({ ...run, sent: 0, sendingMs: 0, drainMs: 0 }, new CommandTracker(() => 0));
    expect(report).toMatchObject({
      totalCommands: 0,
      successPercent: 0,
      failedPercent: 0,
      throughputPerSecond: 0,
    });
    expect(report.responseTimeMs).toEqual({ count: 0, average: 0, p95: 0, p99: 0, max: 0 });
  });
});

describe('report arithmetic', () => {
  it('rounds percentages to two decimals and rates to one', () => {
    expect(percentOf(1, 3)).toBe(33.33);
    expect(percentOf(0, 0)).toBe(0);
    expect(perSecond(5, 2_000)).toBe(2.5);
    expect(perSecond(5, 0)).toBe(0);
  });

  it('orders the response time figures: p95 <= p99 <= max, average <= max', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 60_000, noNaN: true }), { minLength: 1 }), (samples) => {
        const histogram = new LatencyHistogram();
        samples.forEach((ms) => histogram.record(ms));
        const times = responseTimes(histogram);
        expect(times.count).toBe(samples.length);
        expect(times.p95).toBeLessThanOrEqual(times.p99);
        expect(times.p99).toBeLessThanOrEqual(times.max);
        expect(times.average).toBeLessThanOrEqual(times.max);
      }),
    );
  });
});
