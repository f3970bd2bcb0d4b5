import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { TimeOrderedIds } from './ids.js';

describe('TimeOrderedIds', () => {
  it('makes strictly increasing 26-character ids, also within one millisecond', () => {
    const clock = new FakeClock(1_700_000_000_000);
    const ids = new TimeOrderedIds(clock);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 200 }), (steps) => {
        let previous = ids.next();
        for (const step of steps) {
          clock.advance(step);
          const next = ids.next();
          expect(next).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
          expect(next > previous).toBe(true);
          previous = next;
        }
      }),
    );
  });

  it('never goes backwards when the clock does', () => {
    const clock = new FakeClock(1_700_000_000_000);
    const ids = new TimeOrderedIds(clock);
    const first = ids.next();
    clock.advance(-5000);
    expect(ids.next() > first).toBe(true);
  });
});
