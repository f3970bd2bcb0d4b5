// The arithmetic behind the hand-drawn SVG charts: a linear scale with round
// ticks, and the path of each series. Pure, so it is unit tested.
export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Series {
  readonly name: string;
  readonly points: readonly Point[];
}

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly padding: {
    readonly top: number;
    readonly right: number;
    readonly bottom: number;
    readonly left: number;
  };
}

/** A "nice" upper bound for the y axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/**
 * Evenly spaced ticks from 0 to `top` (inclusive): 4 steps, or 5, 2 or 1 when that keeps a whole `top` in
 * whole steps (10 → 0 2 4 6 8 10 rather than 2.5s).
 */
export function ticks(top: number): number[] {
  const steps = Number.isInteger(top) ? ([4, 5, 2, 1].find((n) => Number.isInteger(top / n)) ?? 4) : 4;
  return Array.from({ length: steps + 1 }, (_, i) => (top * i) / steps);
}

export interface Layout {
  readonly xMin: number;
  readonly xMax: number;
  readonly yMax: number;
  x(value: number): number;
  y(value: number): number;
}

export function layout(series: readonly Series[], frame: Frame, fixedYMax?: number): Layout {
  const all = series.flatMap((s) => s.points);
  const xMin = all.length ? Math.min(...all.map((p) => p.x)) : 0;
  const xMax = all.length ? Math.max(...all.map((p) => p.x)) : 1;
  const yMax = fixedYMax ?? niceMax(all.length ? Math.max(...all.map((p) => p.y)) : 0);
  const { width, height, padding } = frame;
  const innerWidth = width - padding.left - padding.right;
  const innerHeight = height - padding.top - padding.bottom;
  const span = xMax - xMin || 1;
  return {
    xMin,
    xMax,
    yMax,
    x: (value) => padding.left + ((value - xMin) / span) * innerWidth,
    y: (value) => padding.top + innerHeight - (Math.min(value, yMax) / yMax) * innerHeight,
  };
}

/** The SVG path of a series: M x,y L x,y … rounded to 0.1 px; empty for no points. */
export function linePath(points: readonly Point[], scale: Pick<Layout, 'x' | 'y'>): string {
  return points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${round(scale.x(p.x))},${round(scale.y(p.y))}`)
    .join(' ');
}

const round = (value: number) => Math.round(value * 10) / 10;
