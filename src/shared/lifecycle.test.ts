import { describe, expect, it } from 'vitest';
import { Lifecycle, PeriodicTask } from './lifecycle.js';

describe('Lifecycle', () => {
  it('runs start and stop once however often they are called', async () => {
    const lifecycle = new Lifecycle();
    let starts = 0;
    let stops = 0;
    await Promise.all([
      lifecycle.start(async () => void starts++),
      lifecycle.start(async () => void starts++),
    ]);
    expect(lifecycle.current).toBe('running');
    await Promise.all([lifecycle.stop(async () => void stops++), lifecycle.stop(async () => void stops++)]);
    expect([starts, stops, lifecycle.current]).toEqual([1, 1, 'stopped']);
  });

  it('is failed when start throws', async () => {
    const lifecycle = new Lifecycle();
    await expect(lifecycle.start(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(lifecycle.current).toBe('failed');
  });
});

describe('PeriodicTask', () => {
  it('reports a failing run and keeps going; runNow waits for a run in progress', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const task = new PeriodicTask(
      't',
      5,
      async () => {
        runs++;
        if (runs === 1) throw new Error('first run fails');
      },
      (error) => errors.push(error),
    );
    await task.start();
    await expect.poll(() => runs, { timeout: 2000 }).toBeGreaterThanOrEqual(3);
    await task.stop();
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(runs).toBe(after);
    expect(errors).toHaveLength(1);
  });
});
