// Properties of the jittered backoff: bounds, growth, reset after a stable connection.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

const options = fc.record({
  baseMs: fc.integer({ min: 1, max: 10_000 }),
  capExtra: fc.integer({ min: 0, max: 600_000 }),
  multiplier: fc.double({ min: 1, max: 4, noNaN: true }),
});
const unitRandom = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('Backoff', () => {
  it('keeps every delay within [0, min(cap, base * multiplier^n)]', () => {
    fc.assert(
      fc.property(options, fc.array(unitRandom, { minLength: 1, maxLength: 80 }), (o, randoms) => {
        const capMs = o.baseMs + o.capExtra;
        let i = 0;
        const backoff = new Backoff(
          { baseMs: o.baseMs, capMs, multiplier: o.multiplier },
          () => randoms[i++] ?? 0,
        );
        randoms.forEach((_, n) => {
          const delay = backoff.next();
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(capMs, o.baseMs * o.multiplier ** n));
        });
      }),
    );
  });

  it('with the default multiplier the ceiling doubles until the cap', () => {
    const backoff = new Backoff({ baseMs: 100, capMs: 1_000 });
    expect([0, 1, 2, 3, 4, 5].map((n) => backoff.ceilingMs(n))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('grows on average: for the same random draw, a later attempt never waits less', () => {
    fc.assert(
      fc.property(options, unitRandom, fc.integer({ min: 0, max: 60 }), (o, r, n) => {
        const make = () =>
          new Backoff({ baseMs: o.baseMs, capMs: o.baseMs + o.capExtra, multiplier: o.multiplier }, () => r);
        const early = make();
        const late = make();
        for (let k = 0; k < n; k++) early.next();
        for (let k = 0; k <= n; k++) late.next();
        // Expected delay is ceiling/2 and ceilings never shrink.
        expect(early.ceilingMs()).toBeLessThanOrEqual(late.ceilingMs());
        const earlyDelay = early.next();
        const lateDelay = late.next();
        expect(earlyDelay).toBeLessThanOrEqual(lateDelay);
      }),
    );
  });

  it('uses the whole range: the top draw reaches the ceiling and the bottom draw is zero', () => {
    expect(new Backoff({ baseMs: 1_000, capMs: 1_000 }, () => 0.999_999_9).next()).toBe(1_000);
    expect(new Backoff({ baseMs: 1_000, capMs: 1_000 }, () => 0).next()).toBe(0);
  });

  it('clamps a misbehaving random source', () => {
    for (const r of [-5, 1, 7, Number.NaN, Number.POSITIVE_INFINITY]) {
      const delay = new Backoff({ baseMs: 500, capMs: 500 }, () => r).next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(500);
    }
  });

  it('resets after a stable connection, not after a short one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 100_000 }),
        (failures, stableAfterMs) => {
          const backoff = new Backoff({ baseMs: 10, capMs: 10_000, stableAfterMs }, () => 0.5);
          for (let k = 0; k < failures; k++) backoff.next();
          expect(backoff.connectionLasted(stableAfterMs - 1)).toBe(false);
          expect(backoff.attempt).toBe(failures);
          expect(backoff.connectionLasted(stableAfterMs)).toBe(true);
          expect(backoff.attempt).toBe(0);
          expect(backoff.ceilingMs()).toBe(10);
        },
      ),
    );
  });

  it('jitter draws at the current step without counting an attempt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), unitRandom, (attempts, r) => {
        const backoff = new Backoff({ baseMs: 100, capMs: 10_000 }, () => r);
        for (let k = 0; k < attempts; k++) backoff.next();
        const delay = backoff.jitter();
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(backoff.ceilingMs(attempts));
        expect(backoff.attempt).toBe(attempts);
        expect(backoff.next()).toBe(delay);
      }),
    );
  });

  it('rejects nonsensical options', () => {
    expect(() => new Backoff({ baseMs: 0, capMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ baseMs: 10, capMs: 5 })).toThrow(/capMs/);
    expect(() => new Backoff({ baseMs: 10, capMs: 50, multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => new Backoff({ baseMs: 10, capMs: 50, stableAfterMs: -1 })).toThrow(/stableAfterMs/);
  });
});
