// Durations in settings: `300` (seconds, as the seed's AGENT_TIMEOUT), `1500ms`, `30s`, `5m`, `1h`.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration to milliseconds; returns undefined when the text is not one. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1000);
  return Number.isFinite(value) ? Math.round(value) : undefined;
}
