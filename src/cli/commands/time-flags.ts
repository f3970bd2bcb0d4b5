// Flags that take a duration (`--ttl 24h`, `--timeout 30s`) or a point in time
// (`--since 15m` for fifteen minutes ago, or an ISO-8601 time); a bad value is
// a UsageError naming the flag (exit 2), so it never reaches the network.
import { parseDuration } from '../../shared/duration.js';
import { UsageError } from '../usage-error.js';

/** A duration flag in milliseconds. */
export function durationFlag(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `--since`: an ISO-8601 time with an offset, or a duration meaning that long before `now`; as ISO-8601. */
export function sinceFlag(flag: string, text: string, now = Date.now()): string {
  if (ISO_TIME.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return new Date(ms).toISOString();
    throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a valid time`);
  }
  let ago: number;
  try {
    ago = parseDuration(text);
  } catch {
    throw new UsageError(
      `${flag}: give an ISO-8601 time such as 2026-12-01T09:00:00Z or a duration ago such as 15m`,
    );
  }
  return new Date(now - ago).toISOString();
}
