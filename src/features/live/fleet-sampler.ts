// Fleet numbers over time for the dashboard's overview: every interval it
// reads the counts the admin API already offers (agents by connectivity and
// health, compliance, commands by status) and keeps the most recent samples in
// a ring, so a page opened now can draw the last half hour at once. Command
// throughput is the difference between two samples' counts of commands created
// and finished (the page computes it; the counts come from events, see
// CommandEventCounter).
import type { Clock } from '../../shared/clock.js';
import { PeriodicTask } from '../../shared/lifecycle.js';

export interface FleetCountsReading {
  readonly agents: {
    readonly total: number;
    /** Agents with a stream open to this instance. */
    readonly connected: number;
    readonly byStatus: Readonly<Record<string, number>>;
    readonly byHealth: Readonly<Record<string, number>>;
  };
  readonly compliance: Readonly<Record<string, number>>;
  /** Per-agent commands created and finished since this instance started (from events, fleet-wide). */
  readonly commands: { readonly created: number; readonly finished: number };
}

export interface FleetSample extends FleetCountsReading {
  readonly at: number;
}

export interface FleetSamplerOptions {
  readonly intervalMs: number;
  /** Samples kept; the oldest goes when a new one comes. */
  readonly capacity: number;
}

export class FleetSampler {
  private readonly ring: FleetSample[] = [];
  private readonly listeners = new Set<(sample: FleetSample) => void>();
  private readonly task: PeriodicTask;

  constructor(
    private readonly read: () => Promise<FleetCountsReading>,
    private readonly clock: Clock,
    readonly options: FleetSamplerOptions,
    onError: (error: unknown) => void,
  ) {
    this.task = new PeriodicTask('fleet-sampler', options.intervalMs, () => this.sampleNow(), onError);
  }

  /** Takes a first sample at once, then one every interval. */
  async start(): Promise<void> {
    await this.task.runNow();
    await this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** The samples kept, oldest first. */
  samples(): readonly FleetSample[] {
    return [...this.ring];
  }

  latest(): FleetSample | undefined {
    return this.ring.at(-1);
  }

  onSample(listener: (sample: FleetSample) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async sampleNow(): Promise<void> {
    const reading = await this.read();
    const sample: FleetSample = { at: this.clock.now(), ...reading };
    this.ring.push(sample);
    if (this.ring.length > this.options.capacity)
      this.ring.splice(0, this.ring.length - this.options.capacity);
    for (const listener of this.listeners) listener(sample);
  }
}
