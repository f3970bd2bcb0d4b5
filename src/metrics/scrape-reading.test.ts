import { describe, expect, it } from 'vitest';
import { scrapeReading } from './scrape-reading.js';

describe('scrapeReading', () => {
  const setup = (results: (number | Error)[]) => {
    let t = 0;
    let reads = 0;
    const errors: unknown[] = [];
    const reading = scrapeReading(
      2000,
      async () => {
        const next = results[reads++];
        if (next instanceof Error) throw next;
        return next as number;
      },
      (error) => errors.push(error),
      () => t,
    );
    return { reading, errors, reads: () => reads, advance: (ms: number) => (t += ms) };
  };

  it('reads once per period however often it is asked', async () => {
    const s = setup([1, 2]);
    expect(await Promise.all([s.reading(), s.reading()])).toEqual([1, 1]);
    s.advance(2000);
    expect(await s.reading()).toBe(1);
    s.advance(1);
    expect(await s.reading()).toBe(2);
    expect(s.reads()).toBe(2);
  });

  it('answers the last good value when a read fails, reports it, and reads again at the next ask', async () => {
    const down = new Error('store down');
    const s = setup([1, down, 3]);
    expect(await s.reading()).toBe(1);
    s.advance(2001);
    expect(await s.reading()).toBe(1);
    expect(s.errors).toEqual([down]);
    expect(await s.reading()).toBe(3);
  });

  it('fails when no read has succeeded yet', async () => {
    const s = setup([new Error('store down'), 5]);
    await expect(s.reading()).rejects.toThrow('store down');
    expect(await s.reading()).toBe(5);
  });
});
