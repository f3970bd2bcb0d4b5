// Believable, varied metrics for simulated agents: each agent gets its own
// baseline, wanders around it, and now and then goes through a degraded
// episode (CPU and memory near full, a growing queue, errors), so that the
// server's health rules see more than a flat line of healthy agents.
import type { RandomSource } from './backoff.js';
import type { HeartbeatMetrics } from './metrics-source.js';

export interface SyntheticMetricsOptions {
  readonly random?: RandomSource;
  /** Chance, per sample, that a healthy agent starts a degraded episode. */
  readonly degradeProbability?: number;
  /** Episode length in samples, inclusive range. */
  readonly episodeSamples?: readonly [number, number];
  /** Monotonic seconds since the simulated agent started. */
  readonly uptimeSeconds: () => number;
}

const MB = 1024 * 1024;

export class SyntheticMetrics {
  private readonly random: RandomSource;
  private readonly degradeProbability: number;
  private readonly episode: readonly [number, number];
  private readonly baseCpu: number;
  private readonly baseMemory: number;
  private readonly baseRss: number;
  private cpu: number;
  private memory: number;
  private degradedFor = 0;
  private errors = 0;

  constructor(private readonly options: SyntheticMetricsOptions) {
    this.random = options.random ?? Math.random;
    this.degradeProbability = options.degradeProbability ?? 0.01;
    this.episode = options.episodeSamples ?? [3, 12];
    this.baseCpu = 5 + 35 * this.random();
    this.baseMemory = 20 + 50 * this.random();
    this.baseRss = (50 + 250 * this.random()) * MB;
    this.cpu = this.baseCpu;
    this.memory = this.baseMemory;
  }

  get degraded(): boolean {
    return this.degradedFor > 0;
  }

  /** The next reading; call once per heartbeat. */
  sample(): HeartbeatMetrics {
    if (this.degradedFor > 0) this.degradedFor -= 1;
    else if (this.random() < this.degradeProbability) {
      const [min, max] = this.episode;
      this.degradedFor = min + Math.floor(this.random() * (max - min + 1));
    }
    const degraded = this.degradedFor > 0;
    // Drift toward the baseline (or toward saturation when degraded), plus noise.
    const cpuTarget = degraded ? 92 + 8 * this.random() : this.baseCpu;
    const memoryTarget = degraded ? 90 + 9 * this.random() : this.baseMemory;
    this.cpu = clamp(this.cpu + (cpuTarget - this.cpu) * 0.5 + (this.random() - 0.5) * 6, 0, 100);
    this.memory = clamp(this.memory + (memoryTarget - this.memory) * 0.3 + (this.random() - 0.5) * 2, 0, 100);
    if (degraded) this.errors += 1 + Math.floor(this.random() * 5);
    const queueDepth = degraded ? 500 + Math.floor(this.random() * 4_500) : Math.floor(this.random() * 20);
    return {
      cpuPercent: round(this.cpu),
      memoryPercent: round(this.memory),
      memoryRssBytes: Math.round(this.baseRss * (1 + this.memory / 200)),
      load1: round((this.cpu / 100) * 4 + this.random() * 0.2),
      uptimeSeconds: Math.floor(this.options.uptimeSeconds()),
      queueDepth,
      errorCount: this.errors,
      metrics: {
        events_per_second: round(degraded ? 50 * this.random() : 200 + 800 * this.random()),
        dropped_events: degraded ? Math.floor(this.random() * 100) : 0,
        degraded: degraded ? 1 : 0,
      },
    };
  }
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));
const round = (value: number): number => Math.round(value * 100) / 100;
