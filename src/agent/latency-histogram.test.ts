// The latency histogram stays within one bucket of exact percentiles.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';

function exactPercentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

describe('LatencyHistogram', () => {
  it('reports percentiles within one 5% bucket of the exact value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(50, 90, 99, 100),
        (samples, p) => {
          const histogram = new LatencyHistogram();
          samples.forEach((ms) => histogram.record(ms));
          const exact = exactPercentile(
            [...samples].sort((a, b) => a - b),
            p,
          );
          const estimate = histogram.percentile(p);
          expect(estimate).toBeGreaterThanOrEqual(exact - 1e-9);
          expect(estimate).toBeLessThanOrEqual((exact + 1) * 1.05 - 1 + 1e-9);
        },
      ),
    );
  });

  it('ignores nonsense, summarises and resets', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.summary()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
    expect(histogram.mean).toBe(0);
    histogram.record(-1);
    histogram.record(Number.NaN);
    histogram.record(10);
    histogram.record(20);
    expect(histogram.summary()).toMatchObject({ count: 2, max: 20 });
    expect(histogram.mean).toBe(15);
    expect(histogram.max).toBe(20);
    histogram.reset();
    expect(histogram.count).toBe(0);
    expect(histogram.mean).toBe(0);
    expect(histogram.max).toBe(0);
  });
});
