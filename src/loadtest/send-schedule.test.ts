// The send schedule: type rotation or an injected random draw, pacing offsets,
// and a pool that bounds requests in flight, stops when told and reports the
// first error.
import { describe, expect, it } from 'vitest';
import { dueOffsetMs, runPaced, typePicker } from './send-schedule.js';

const never = new AbortController().signal;
const now = () => performance.now();

describe('typePicker', () => {
  it('rotates through the types', () => {
    const pick = typePicker(['ping', 'status', 'scan'], 'rotate', () => 0.99);
    expect([0, 1, 2, 3, 4].map(pick)).toEqual(['ping', 'status', 'scan', 'ping', 'status']);
  });

  it('draws from the injected random source', () => {
    const draws = [0, 0.5, 0.99, 0.34];
    const pick = typePicker(['ping', 'status', 'scan'], 'random', () => draws.shift() ?? 0);
    expect([0, 1, 2, 3].map(pick)).toEqual(['ping', 'status', 'scan', 'status']);
  });

  it('needs a type', () => {
    expect(() => typePicker([], 'rotate', Math.random)).toThrow(RangeError);
  });
});

describe('dueOffsetMs', () => {
  it('spaces commands evenly at the target rate, and not at all without one', () => {
    expect([0, 1, 2].map((n) => dueOffsetMs(n, 4))).toEqual([0, 250, 500]);
    expect(dueOffsetMs(1_000, 0)).toBe(0);
  });
});

describe('runPaced', () => {
  it('runs every task once with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const ran: number[] = [];
    const started = await runPaced({ count: 25, concurrency: 4, signal: never, now }, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      ran.push(n);
      inFlight -= 1;
    });
    expect(started).toBe(25);
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(peak).toBe(4);
  });

  it('starts nothing more once the signal aborts, and counts what it started', async () => {
    const stop = new AbortController();
    const started = await runPaced({ count: 100, concurrency: 2, signal: stop.signal, now }, async (n) => {
      if (n === 9) stop.abort();
    });
    expect(started).toBe(10);
  });

  it('paces starts at the rate, waking early when stopped', async () => {
    const stop = new AbortController();
    const starts: number[] = [];
    // One per 10 s: the second start is far away, so stopping is what ends the run.
    const run = runPaced(
      { count: 3, concurrency: 3, ratePerSecond: 0.1, signal: stop.signal, now },
      async (n) => {
        starts.push(n);
      },
    );
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    expect(await run).toBe(1);
    expect(starts).toEqual([0]);
  });

  it('rejects with the first task error and starts nothing after it', async () => {
    const ran: number[] = [];
    await expect(
      runPaced({ count: 50, concurrency: 1, signal: never, now }, async (n) => {
        ran.push(n);
        if (n === 3) throw new Error('server gone');
      }),
    ).rejects.toThrow('server gone');
    expect(ran).toEqual([0, 1, 2, 3]);
  });
});
