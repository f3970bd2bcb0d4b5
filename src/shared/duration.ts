// Durations as people type them in flags and configuration: `1500ms`, `30s`,
// `5m`, `1h`, or a bare integer meaning seconds (`300`). Only non-negative whole
// numbers are accepted, so every value has exactly one reading.
import { invalidArgument } from './errors.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION = /^(\d+)(ms|s|m|h)?$/;

/** Parses a duration and returns milliseconds; throws a CorralError (invalid_argument) otherwise. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) {
    throw invalidArgument(
      `invalid duration ${JSON.stringify(text)}: use a whole number with a unit (1500ms, 30s, 5m, 1h) or plain seconds (300)`,
    );
  }
  const amount = Number(match[1]);
  const unit = (match[2] ?? 's') as Unit;
  const ms = amount * UNIT_MS[unit];
  if (!Number.isSafeInteger(ms)) throw invalidArgument(`duration ${JSON.stringify(text)} is too large`);
  return ms;
}

/** Formats milliseconds the way parseDuration reads them, choosing the largest exact unit. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw invalidArgument(`cannot format duration ${ms}`);
  for (const unit of ['h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
