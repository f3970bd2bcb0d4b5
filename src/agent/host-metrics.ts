// Real metrics of the host and of this process, for the reference agent's
// heartbeats. Host CPU utilisation comes from the change in os.cpus() times
// between two samples (the first sample measures from construction); event
// loop delay comes from a perf_hooks histogram, reset at every sample.
import os from 'node:os';
import type { IntervalHistogram } from 'node:perf_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { HeartbeatMetrics } from './metrics-source.js';

/** Accumulated CPU time of all cores, in the unit os.cpus() uses (ms). */
export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

/** The operating-system reads host metrics depend on; replaceable in tests. */
export interface HostProbe {
  cpus(): readonly os.CpuInfo[];
  totalMemory(): number;
  freeMemory(): number;
  loadAverage(): readonly number[];
  processMemory(): { rss: number; heapUsed: number };
  processCpu(): NodeJS.CpuUsage;
  processUptimeSeconds(): number;
  /** A monotonic clock in milliseconds. */
  monotonicMs(): number;
}

export const nodeHostProbe: HostProbe = {
  cpus: () => os.cpus(),
  totalMemory: () => os.totalmem(),
  freeMemory: () => os.freemem(),
  loadAverage: () => os.loadavg(),
  processMemory: () => process.memoryUsage(),
  processCpu: () => process.cpuUsage(),
  processUptimeSeconds: () => process.uptime(),
  monotonicMs: () => performance.now(),
};

export function sumCpuTimes(cpus: readonly os.CpuInfo[]): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/** Host CPU utilisation between two readings, 0-100; 0 when no time passed or the counters went backwards. */
export function cpuPercentBetween(previous: CpuTimes, current: CpuTimes): number {
  const total = current.total - previous.total;
  const busy = current.busy - previous.busy;
  if (!(total > 0) || busy < 0) return 0;
  return clampPercent((busy / total) * 100);
}

export function memoryPercent(total: number, free: number): number {
  if (!(total > 0)) return 0;
  return clampPercent(((total - free) / total) * 100);
}

export interface HostMetricsOptions {
  readonly probe?: HostProbe;
  /** Measure event loop delay (needs a timer of its own); on by default. */
  readonly eventLoopDelay?: boolean;
}

export class HostMetrics {
  private readonly probe: HostProbe;
  private readonly loopDelay: IntervalHistogram | undefined;
  private lastCpu: CpuTimes;
  private lastProcessCpu: NodeJS.CpuUsage;
  private lastSampleMs: number;

  constructor(options: HostMetricsOptions = {}) {
    this.probe = options.probe ?? nodeHostProbe;
    this.lastCpu = sumCpuTimes(this.probe.cpus());
    this.lastProcessCpu = this.probe.processCpu();
    this.lastSampleMs = this.probe.monotonicMs();
    if (options.eventLoopDelay ?? true) {
      this.loopDelay = monitorEventLoopDelay({ resolution: 20 });
      this.loopDelay.enable();
    }
  }

  /** Reads everything once; the CPU figures cover the time since the previous sample. */
  sample(): HeartbeatMetrics {
    const cpus = this.probe.cpus();
    const cpu = sumCpuTimes(cpus);
    const processCpu = this.probe.processCpu();
    const nowMs = this.probe.monotonicMs();
    const elapsedMicros = (nowMs - this.lastSampleMs) * 1_000;
    const processMicros =
      processCpu.user - this.lastProcessCpu.user + (processCpu.system - this.lastProcessCpu.system);
    const cores = Math.max(cpus.length, 1);
    const processCpuPercent =
      elapsedMicros > 0 ? clampPercent((processMicros / (elapsedMicros * cores)) * 100) : 0;
    const cpuPercent = cpuPercentBetween(this.lastCpu, cpu);
    this.lastCpu = cpu;
    this.lastProcessCpu = processCpu;
    this.lastSampleMs = nowMs;

    const memory = this.probe.processMemory();
    const totalMemory = this.probe.totalMemory();
    const freeMemory = this.probe.freeMemory();
    const metrics: Record<string, number> = {
      process_cpu_percent: round(processCpuPercent),
      heap_used_bytes: memory.heapUsed,
      host_memory_free_bytes: freeMemory,
      host_cpu_count: cpus.length,
    };
    if (this.loopDelay) {
      // Histogram values are nanoseconds; with no samples yet they read as 0 or NaN.
      metrics.event_loop_delay_p99_ms = round(finiteOrZero(this.loopDelay.percentile(99)) / 1e6);
      metrics.event_loop_delay_max_ms = round(finiteOrZero(this.loopDelay.max) / 1e6);
      this.loopDelay.reset();
    }
    return {
      cpuPercent: round(cpuPercent),
      memoryPercent: round(memoryPercent(totalMemory, freeMemory)),
      memoryRssBytes: memory.rss,
      load1: round(Math.max(0, this.probe.loadAverage()[0] ?? 0)),
      uptimeSeconds: Math.floor(this.probe.processUptimeSeconds()),
      metrics,
    };
  }

  /** Stops the event loop delay monitor. */
  close(): void {
    this.loopDelay?.disable();
  }
}

const clampPercent = (value: number): number =>
  Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
const finiteOrZero = (value: number): number => (Number.isFinite(value) ? value : 0);
const round = (value: number): number => Math.round(value * 100) / 100;
