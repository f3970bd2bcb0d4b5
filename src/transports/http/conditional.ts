// Conditional requests on revisioned resources: the ETag is the revision in
// quotes ("7"), and If-Match names the revision a change was based on, so a
// concurrent edit is refused (412) instead of silently overwritten.
import { z } from 'zod';
import { preconditionFailed } from '../../shared/errors.js';

export const etagOf = (revision: number): string => `"${revision}"`;

/** The If-Match header, for a route's `headers` schema. */
export const ifMatchHeaders = (description: string) =>
  z.object({ 'if-match': z.string().optional().describe(description) });

/**
 * `"7"` → 7; `*` or no header → no condition (undefined); anything else cannot
 * match any revision, so it is refused as a failed precondition naming `what`.
 */
export function ifMatchRevision(header: string | string[] | undefined, what: string): number | undefined {
  if (header === undefined || header === '*') return undefined;
  const match = typeof header === 'string' ? /^\s*"(\d{1,15})"\s*$/.exec(header) : null;
  if (!match?.[1]) throw preconditionFailed(`If-Match must be the ETag of the ${what} ("<revision>") or *`);
  return Number(match[1]);
}
