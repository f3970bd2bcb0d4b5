// Host metrics: CPU deltas, memory share and sanity of real readings on this machine.
import fc from 'fast-check';
import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { HostProbe } from './host-metrics.js';
import { HostMetrics, cpuPercentBetween, memoryPercent, sumCpuTimes } from './host-metrics.js';

const core = (busy: number, idle: number): os.CpuInfo => ({
  model: 'test',
  speed: 1,
  times: { user: busy, nice: 0, sys: 0, idle, irq: 0 },
});

function fakeProbe(): HostProbe & { cores: os.CpuInfo[]; nowMs: number; cpuMicros: number } {
  const probe = {
    cores: [core(0, 0), core(0, 0)],
    nowMs: 0,
    cpuMicros: 0,
    cpus: () => probe.cores,
    totalMemory: () => 8_000,
    freeMemory: () => 2_000,
    loadAverage: () => [1.5, 1, 0.5],
    processMemory: () => ({ rss: 123_456, heapUsed: 1_000 }),
    processCpu: () => ({ user: probe.cpuMicros, system: 0 }),
    processUptimeSeconds: () => 42.9,
    monotonicMs: () => probe.nowMs,
  };
  return probe;
}

describe('cpuPercentBetween', () => {
  it('is the busy share of elapsed CPU time, within 0-100', () => {
    fc.assert(
      fc.property(
        fc.nat(10 ** 9),
        fc.nat(10 ** 9),
        fc.nat(10 ** 6),
        fc.nat(10 ** 6),
        (busy0, idle0, busyDelta, idleDelta) => {
          const before = { busy: busy0, total: busy0 + idle0 };
          const after = { busy: busy0 + busyDelta, total: busy0 + idle0 + busyDelta + idleDelta };
          const percent = cpuPercentBetween(before, after);
          expect(percent).toBeGreaterThanOrEqual(0);
          expect(percent).toBeLessThanOrEqual(100);
          if (busyDelta + idleDelta > 0)
            expect(percent).toBeCloseTo((busyDelta / (busyDelta + idleDelta)) * 100, 6);
        },
      ),
    );
  });

  it('reads 0 when no time passed or the counters went backwards', () => {
    expect(cpuPercentBetween({ busy: 5, total: 10 }, { busy: 5, total: 10 })).toBe(0);
    expect(cpuPercentBetween({ busy: 5, total: 10 }, { busy: 1, total: 20 })).toBe(0);
  });
});

describe('memoryPercent', () => {
  it('is used over total and tolerates nonsense', () => {
    expect(memoryPercent(8_000, 2_000)).toBe(75);
    expect(memoryPercent(0, 0)).toBe(0);
    expect(memoryPercent(100, 200)).toBe(0);
  });
});

describe('HostMetrics', () => {
  it('measures host CPU between samples across all cores', () => {
    const probe = fakeProbe();
    const metrics = new HostMetrics({ probe, eventLoopDelay: false });
    // Core 0: 300 busy + 100 idle; core 1: 100 busy + 300 idle -> 400 of 800 = 50%.
    probe.cores = [core(300, 100), core(100, 300)];
    probe.nowMs = 1_000;
    probe.cpuMicros = 500_000;
    const first = metrics.sample();
    expect(first.cpuPercent).toBe(50);
    // 0.5 s of process CPU over 1 s on 2 cores.
    expect(first.metrics?.process_cpu_percent).toBe(25);
    // Fully idle since the previous sample.
    probe.cores = [core(300, 500), core(100, 700)];
    probe.nowMs = 2_000;
    expect(metrics.sample().cpuPercent).toBe(0);
  });

  it('reports memory, load, uptime and process figures from the probe', () => {
    const sample = new HostMetrics({ probe: fakeProbe(), eventLoopDelay: false }).sample();
    expect(sample).toMatchObject({
      memoryPercent: 75,
      memoryRssBytes: 123_456,
      load1: 1.5,
      uptimeSeconds: 42,
    });
    expect(sample.metrics).toMatchObject({
      heap_used_bytes: 1_000,
      host_memory_free_bytes: 2_000,
      host_cpu_count: 2,
    });
  });

  it('copes with a host that reports no CPUs', () => {
    const probe = fakeProbe();
    probe.cores = [];
    expect(sumCpuTimes([])).toEqual({ busy: 0, total: 0 });
    expect(new HostMetrics({ probe, eventLoopDelay: false }).sample().cpuPercent).toBe(0);
  });

  it('gives sane readings on this machine', () => {
    const metrics = new HostMetrics();
    try {
      const sample = metrics.sample();
      for (const percent of [sample.cpuPercent, sample.memoryPercent]) {
        expect(percent).toBeGreaterThanOrEqual(0);
        expect(percent).toBeLessThanOrEqual(100);
      }
      expect(sample.memoryPercent).toBeGreaterThan(0);
      expect(sample.memoryRssBytes).toBeGreaterThan(0);
      expect(sample.load1).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(sample.uptimeSeconds)).toBe(true);
      expect(sample.metrics).toHaveProperty('event_loop_delay_p99_ms');
      for (const value of Object.values(sample.metrics ?? {})) {
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
      }
    } finally {
      metrics.close();
    }
  });
});
