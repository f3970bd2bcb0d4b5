import { describe, expect, it } from 'vitest';
import type { FleetSample } from '../api/types';
import { appendSamples, MAX_SAMPLES, throughput } from './samples';

const sample = (second: number, created = 0, finished = 0): FleetSample => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
  agents: { total: 1, connected: 1, byStatus: { online: 1 }, byHealth: {} },
  compliance: {},
  commands: { created, finished },
});

describe('appendSamples', () => {
  it('keeps time order, replaces a repeated time and keeps the newest MAX_SAMPLES', () => {
    const merged = appendSamples([sample(2), sample(1)], [sample(2, 5), sample(0)]);
    expect(merged.map((s) => s.at.slice(17, 19))).toEqual(['00', '01', '02']);
    expect(merged[2]?.commands.created).toBe(5);
    const many = Array.from({ length: MAX_SAMPLES + 10 }, (_, i) => sample(i));
    expect(appendSamples([], many)).toHaveLength(MAX_SAMPLES);
    expect(appendSamples([], many)[0]?.at).toBe(sample(10).at);
  });
});

describe('throughput', () => {
  it('is created and finished commands per minute between samples, never negative', () => {
    const points = throughput([sample(0, 10, 0), sample(30, 15, 9), sample(60, 2, 1)]);
    expect(points).toEqual([
      { at: Date.parse(sample(30).at), created: 10, finished: 18 },
      { at: Date.parse(sample(60).at), created: 0, finished: 0 },
    ]);
  });

  it('needs two samples', () => {
    expect(throughput([sample(0)])).toEqual([]);
  });
});
