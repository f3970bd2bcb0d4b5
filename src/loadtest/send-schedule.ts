// When and what a load test sends: command n goes to agent n mod agents (so
// every agent gets its share spread over the run, not in one burst), its type
// rotates through the list or is drawn at random, and sends are paced to a
// target rate while at most `concurrency` requests are in flight.
import { setMaxListeners } from 'node:events';
import type { RandomSource } from '../agent/backoff.js';
import { sleep } from '../agent/sleep.js';

export const TypeOrder = { Rotate: 'rotate', Random: 'random' } as const;
export type TypeOrder = (typeof TypeOrder)[keyof typeof TypeOrder];
export const TYPE_ORDER_VALUES = Object.values(TypeOrder);

/** The type of command n. */
export function typePicker(
  types: readonly string[],
  order: TypeOrder,
  random: RandomSource,
): (n: number) => string {
  if (types.length === 0) throw new RangeError('at least one command type is needed');
  const at = (i: number): string => types[Math.min(types.length - 1, Math.max(0, i))] as string;
  return order === TypeOrder.Rotate
    ? (n) => at(n % types.length)
    : () => at(Math.floor(random() * types.length));
}

/** When command n is due, from the start of sending; everything at once without a rate. */
export const dueOffsetMs = (n: number, ratePerSecond: number): number =>
  ratePerSecond > 0 ? (n * 1_000) / ratePerSecond : 0;

export interface PoolOptions {
  readonly count: number;
  /** Tasks running at once, at most. */
  readonly concurrency: number;
  /** Target starts per second overall; 0: as fast as the pool turns over. */
  readonly ratePerSecond?: number;
  /** Start no task after this aborts; tasks already running finish. */
  readonly signal: AbortSignal;
  readonly now: () => number;
}

/**
 * Runs task(0) … task(count - 1), started in order, paced and bounded.
 * Resolves with how many were started once every started task has finished;
 * rejects with the first task error (no new task starts after it).
 */
export async function runPaced(options: PoolOptions, task: (n: number) => Promise<void>): Promise<number> {
  const { count, now } = options;
  const rate = options.ratePerSecond ?? 0;
  const workers = Math.max(1, Math.min(options.concurrency, count));
  // Every waiting worker listens to a signal: to ours, so that hundreds may, and so that a failed task
  // can stop the others without aborting the caller's.
  const stop = new AbortController();
  setMaxListeners(workers + 1, stop.signal);
  const onAbort = (): void => stop.abort();
  if (options.signal.aborted) stop.abort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  const { signal } = stop;
  const startedAt = now();
  let next = 0;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !signal.aborted) {
      const n = next;
      next += 1;
      const waitMs = startedAt + dueOffsetMs(n, rate) - now();
      if (waitMs >= 1) await sleep(waitMs, signal);
      if (signal.aborted) return;
      started += 1;
      try {
        await task(n);
      } catch (error) {
        // Wakes the waiting workers: nothing more starts.
        stop.abort();
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: workers }, worker));
  options.signal.removeEventListener('abort', onAbort);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return started;
}
