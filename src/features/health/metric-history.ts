// A fixed-size ring of an agent's recent heartbeat figures, packed in one
// Float64Array so that 10,000 agents' histories cost a few megabytes.
import type { HeartbeatSample } from './health-model.js';

export const HISTORY_FIELDS = [
  'receivedAtMs',
  'cpuPercent',
  'memoryPercent',
  'load1',
  'queueDepth',
  'errorCount',
] as const;
export type HistoryField = (typeof HISTORY_FIELDS)[number];
export type HistoryPoint = Record<HistoryField, number>;

export class MetricHistory {
  private readonly values: Float64Array;
  private next = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.values = new Float64Array(capacity * HISTORY_FIELDS.length);
  }

  push(sample: HeartbeatSample): void {
    const base = this.next * HISTORY_FIELDS.length;
    HISTORY_FIELDS.forEach((field, i) => {
      this.values[base + i] = sample[field];
    });
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Oldest first. */
  points(): HistoryPoint[] {
    const out: HistoryPoint[] = [];
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let k = 0; k < this.size; k++) {
      const base = ((start + k) % this.capacity) * HISTORY_FIELDS.length;
      const point = {} as HistoryPoint;
      HISTORY_FIELDS.forEach((field, i) => {
        point[field] = this.values[base + i] ?? 0;
      });
      out.push(point);
    }
    return out;
  }
}
