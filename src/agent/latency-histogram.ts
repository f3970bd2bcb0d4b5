// A small fixed-memory latency histogram (5% wide logarithmic buckets), for
// heartbeat round-trip times across thousands of simulated agents and command
// response times in load tests, without keeping every sample. Percentiles are
// accurate to one bucket; the mean and the max are exact.

const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
/** Enough buckets for about ten minutes. */
const BUCKETS = Math.ceil(Math.log(600_001) / LOG_GROWTH) + 1;

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private largest = 0;

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const index = Math.min(BUCKETS - 1, Math.floor(Math.log(ms + 1) / LOG_GROWTH));
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total += 1;
    this.sum += ms;
    this.largest = Math.max(this.largest, ms);
  }

  get count(): number {
    return this.total;
  }

  /** The exact average (0 without samples). */
  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  get max(): number {
    return this.largest;
  }

  /** The latency below which `p` percent of samples fall (upper edge of its bucket, capped at the max seen). */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank && seen > 0) return Math.min(this.largest, GROWTH ** (i + 1) - 1);
    }
    return this.largest;
  }

  summary(): LatencySummary {
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      count: this.total,
      p50: round(this.percentile(50)),
      p90: round(this.percentile(90)),
      p99: round(this.percentile(99)),
      max: round(this.largest),
    };
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.largest = 0;
  }
}
