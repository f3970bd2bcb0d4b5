import { describe, expect, it } from 'vitest';
import { layout, linePath, niceMax, ticks } from './chart';

describe('chart scales', () => {
  it.each([
    [0, 1],
    [0.3, 0.5],
    [1, 1],
    [7, 10],
    [12, 20],
    [480, 500],
    [501, 1000],
  ])('niceMax(%d) is %d', (max, nice) => {
    expect(niceMax(max)).toBeCloseTo(nice);
  });

  it('ticks are four steps, or fewer or five to stay whole', () => {
    expect(ticks(2)).toEqual([0, 1, 2]);
    expect(ticks(1)).toEqual([0, 1]);
    expect(ticks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(100)).toEqual([0, 25, 50, 75, 100]);
    expect(ticks(0.5)).toEqual([0, 0.125, 0.25, 0.375, 0.5]);
  });

  it('maps points into the frame, y upwards, and draws them as a path', () => {
    const frame = { width: 110, height: 60, padding: { top: 0, right: 0, bottom: 10, left: 10 } };
    const points = [
      { x: 1000, y: 0 },
      { x: 2000, y: 5 },
      { x: 3000, y: 10 },
    ];
    const scale = layout([{ name: 's', points }], frame);
    expect(scale.yMax).toBe(10);
    expect(linePath(points, scale)).toBe('M10,50 L60,25 L110,0');
    expect(linePath([], scale)).toBe('');
  });
});
