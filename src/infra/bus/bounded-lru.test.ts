import { describe, expect, it } from 'vitest';
import { BoundedLru } from './bounded-lru.js';

describe('BoundedLru', () => {
  it('keeps at most capacity entries and forgets the least recently used first', () => {
    const lru = new BoundedLru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recently used
    lru.set('c', 3);
    expect(lru.has('b')).toBe(false);
    expect([lru.get('a'), lru.get('c'), lru.size]).toEqual([1, 3, 2]);
  });

  it('replaces a value without growing, and deletes', () => {
    const lru = new BoundedLru<string, number>(3);
    lru.set('a', 1);
    lru.set('a', 2);
    expect([lru.get('a'), lru.size]).toEqual([2, 1]);
    lru.delete('a');
    expect([lru.has('a'), lru.get('a'), lru.size]).toEqual([false, undefined, 0]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new BoundedLru(0)).toThrow(RangeError);
    expect(() => new BoundedLru(1.5)).toThrow(RangeError);
  });
});
