// Fleet samples kept in the browser: in time order, without duplicates (a
// reconnection sends the server's history again), at most MAX_SAMPLES.
import type { FleetSample } from '../api/types';

export const MAX_SAMPLES = 360;

export function appendSamples(
  current: readonly FleetSample[],
  incoming: readonly FleetSample[],
): FleetSample[] {
  const byTime = new Map<string, FleetSample>();
  for (const sample of current) byTime.set(sample.at, sample);
  for (const sample of incoming) byTime.set(sample.at, sample);
  const sorted = [...byTime.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return sorted.slice(-MAX_SAMPLES);
}

export interface ThroughputPoint {
  readonly at: number;
  /** Commands created per minute since the previous sample. */
  readonly created: number;
  /** Commands that reached a final status per minute since the previous sample. */
  readonly finished: number;
}

/**
 * Command throughput between consecutive samples, from the server's running counts; never negative (a
 * server restart starts its counts again).
 */
export function throughput(samples: readonly FleetSample[]): ThroughputPoint[] {
  const points: ThroughputPoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1] as FleetSample;
    const after = samples[i] as FleetSample;
    const minutes = (Date.parse(after.at) - Date.parse(before.at)) / 60_000;
    if (!(minutes > 0)) continue;
    const perMinute = (delta: number) => Math.max(0, Math.round(delta / minutes));
    points.push({
      at: Date.parse(after.at),
      created: perMinute(after.commands.created - before.commands.created),
      finished: perMinute(after.commands.finished - before.commands.finished),
    });
  }
  return points;
}
