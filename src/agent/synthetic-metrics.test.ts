// Synthetic metrics stay in range and go through degraded episodes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyntheticMetrics } from './synthetic-metrics.js';

/** A deterministic random source from fast-check's numbers, cycling. */
const cycling = (values: readonly number[]) => {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
};

describe('SyntheticMetrics', () => {
  it('stays within the ranges the wire contract allows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 50,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (randoms, degradeProbability) => {
          const metrics = new SyntheticMetrics({
            random: cycling(randoms),
            degradeProbability,
            uptimeSeconds: () => 12.7,
          });
          let previousErrors = 0;
          for (let n = 0; n < 30; n++) {
            const m = metrics.sample();
            expect(m.cpuPercent).toBeGreaterThanOrEqual(0);
            expect(m.cpuPercent).toBeLessThanOrEqual(100);
            expect(m.memoryPercent).toBeGreaterThanOrEqual(0);
            expect(m.memoryPercent).toBeLessThanOrEqual(100);
            expect(m.memoryRssBytes).toBeGreaterThan(0);
            expect(m.load1).toBeGreaterThanOrEqual(0);
            expect(m.uptimeSeconds).toBe(12);
            expect(m.errorCount ?? 0).toBeGreaterThanOrEqual(previousErrors);
            previousErrors = m.errorCount ?? 0;
          }
        },
      ),
    );
  });

  it('goes through degraded episodes that end', () => {
    const metrics = new SyntheticMetrics({
      random: cycling([0.5]),
      degradeProbability: 1,
      episodeSamples: [2, 2],
      uptimeSeconds: () => 0,
    });
    const first = metrics.sample();
    expect(metrics.degraded).toBe(true);
    expect(first.metrics?.degraded).toBe(1);
    expect(first.queueDepth).toBeGreaterThanOrEqual(500);
    expect(first.errorCount).toBeGreaterThan(0);
    metrics.sample();
    metrics.sample();
    expect(metrics.degraded).toBe(false);
  });

  it('never degrades with probability 0, and agents differ from one another', () => {
    const a = new SyntheticMetrics({
      random: cycling([0.1, 0.7, 0.3]),
      degradeProbability: 0,
      uptimeSeconds: () => 0,
    });
    const b = new SyntheticMetrics({
      random: cycling([0.9, 0.2, 0.6]),
      degradeProbability: 0,
      uptimeSeconds: () => 0,
    });
    const samplesA = Array.from({ length: 20 }, () => a.sample());
    expect(samplesA.every((m) => m.metrics?.degraded === 0 && m.errorCount === 0)).toBe(true);
    expect(b.sample().cpuPercent).not.toBe(samplesA[0]?.cpuPercent);
  });
});
