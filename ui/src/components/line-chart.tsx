// A small line chart in SVG (no chart library, nothing from a CDN): a titled
// figure with axes, a legend and, for screen readers, the latest values as text.
import { useId } from 'react';
import { layout, linePath, ticks, type Series } from '../lib/chart';

const FRAME = { width: 560, height: 180, padding: { top: 10, right: 12, bottom: 22, left: 44 } };
const COLORS = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)'];

export interface LineChartProps {
  readonly title: string;
  readonly series: readonly Series[];
  /** How x values (epoch ms) read on the axis. */
  readonly formatX?: (x: number) => string;
  readonly formatY?: (y: number) => string;
  readonly yMax?: number;
  readonly empty?: string;
}

const timeOfDay = (x: number) =>
  new Date(x).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function LineChart({
  title,
  series,
  formatX = timeOfDay,
  formatY = (y) => String(Math.round(y)),
  yMax,
  empty,
}: LineChartProps) {
  const titleId = useId();
  const hasData = series.some((s) => s.points.length > 0);
  const scale = layout(series, FRAME, yMax);
  const summary = series
    .map((s) => `${s.name}: ${s.points.length ? formatY((s.points.at(-1) as { y: number }).y) : 'no data'}`)
    .join('; ');
  return (
    <figure className="chart">
      <figcaption id={titleId}>{title}</figcaption>
      {hasData ? (
        <svg
          viewBox={`0 0 ${FRAME.width} ${FRAME.height}`}
          role="img"
          aria-labelledby={titleId}
          aria-describedby={`${titleId}-summary`}
        >
          {ticks(scale.yMax).map((tick) => (
            <g key={tick} className="chart-grid">
              <line
                x1={FRAME.padding.left}
                x2={FRAME.width - FRAME.padding.right}
                y1={scale.y(tick)}
                y2={scale.y(tick)}
              />
              <text x={FRAME.padding.left - 6} y={scale.y(tick) + 4} textAnchor="end">
                {formatY(tick)}
              </text>
            </g>
          ))}
          <text className="chart-axis" x={FRAME.padding.left} y={FRAME.height - 4}>
            {formatX(scale.xMin)}
          </text>
          <text
            className="chart-axis"
            x={FRAME.width - FRAME.padding.right}
            y={FRAME.height - 4}
            textAnchor="end"
          >
            {formatX(scale.xMax)}
          </text>
          {series.map((s, i) => {
            const last = s.points.at(-1);
            return (
              <g key={s.name}>
                <path
                  d={linePath(s.points, scale)}
                  fill="none"
                  stroke={COLORS[i % COLORS.length]}
                  strokeWidth={2}
                />
                {last && (
                  <circle cx={scale.x(last.x)} cy={scale.y(last.y)} r={3} fill={COLORS[i % COLORS.length]} />
                )}
              </g>
            );
          })}
        </svg>
      ) : (
        <p className="muted">{empty ?? 'No data yet.'}</p>
      )}
      <ul className="legend">
        {series.map((s, i) => (
          <li key={s.name}>
            <span className="swatch" style={{ background: COLORS[i % COLORS.length] }} aria-hidden="true" />
            {s.name}
          </li>
        ))}
      </ul>
      <p id={`${titleId}-summary`} className="visually-hidden">
        Latest values. {summary}
      </p>
    </figure>
  );
}
