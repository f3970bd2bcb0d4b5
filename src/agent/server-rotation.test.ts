// Rotation through the agent's server addresses: order, wrap-around, rounds, success.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServerRotation } from './server-rotation.js';

describe('ServerRotation', () => {
  it('starts at the first address and moves through the list, wrapping around', () => {
    const rotation = new ServerRotation(['a:1', 'b:1', 'c:1']);
    const seen = [rotation.current];
    for (let i = 0; i < 4; i += 1) {
      rotation.advance();
      seen.push(rotation.current);
    }
    expect(seen).toEqual(['a:1', 'b:1', 'c:1', 'a:1', 'b:1']);
  });

  it('completes a round when every address has failed in turn since the last success', () => {
    const rotation = new ServerRotation(['a:1', 'b:1', 'c:1']);
    expect([rotation.advance(), rotation.advance(), rotation.advance()]).toEqual([false, false, true]);
    expect(rotation.current).toBe('a:1');
    // The count starts again: the next round also needs three moves.
    expect([rotation.advance(), rotation.advance(), rotation.advance()]).toEqual([false, false, true]);
  });

  it('a success starts a new round from the address that worked', () => {
    const rotation = new ServerRotation(['a:1', 'b:1', 'c:1']);
    rotation.advance();
    rotation.advance();
    rotation.succeeded();
    expect(rotation.current).toBe('c:1');
    expect([rotation.advance(), rotation.advance(), rotation.advance()]).toEqual([false, false, true]);
    expect(rotation.current).toBe('c:1');
  });

  it('with one address, every move completes a round and keeps the address', () => {
    const rotation = new ServerRotation('only:1');
    expect(rotation.advance()).toBe(true);
    expect(rotation.advance()).toBe(true);
    expect(rotation.current).toBe('only:1');
  });

  it('drops duplicate addresses, keeping the first place of each', () => {
    const rotation = new ServerRotation(['a:1', 'b:1', 'a:1']);
    expect(rotation.all).toEqual(['a:1', 'b:1']);
    expect(rotation.includes('b:1')).toBe(true);
    expect(rotation.includes('c:1')).toBe(false);
  });

  it('refuses an empty list or an empty address', () => {
    expect(() => new ServerRotation([])).toThrow(RangeError);
    expect(() => new ServerRotation(['a:1', ''])).toThrow(/empty/);
  });

  it('whatever the successes, a round completes after exactly size moves without one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        (size, steps) => {
          const rotation = new ServerRotation(Array.from({ length: size }, (_, i) => `h${i}:1`));
          let sinceSuccess = 0;
          for (const success of steps) {
            if (success) {
              rotation.succeeded();
              sinceSuccess = 0;
              continue;
            }
            sinceSuccess += 1;
            const complete = rotation.advance();
            expect(complete).toBe(sinceSuccess === size);
            if (complete) sinceSuccess = 0;
          }
        },
      ),
    );
  });
});
