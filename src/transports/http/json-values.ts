// Building blocks of the admin API's JSON representations: timestamps go out
// as ISO-8601 strings (null stays null), and the zod schemas that describe them
// in the OpenAPI document and check them in tests.
import { z } from 'zod';

/** Largest |ms| a Date accepts; beyond it toISOString throws. */
const MAX_DATE_MS = 8.64e15;

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoTimeOrNull(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return null;
  return isoTime(ms);
}

export const isoTimeSchema = z.iso.datetime().describe('ISO-8601 timestamp (UTC)');
export const isoTimeOrNullSchema = isoTimeSchema.nullable();

/** A list response: one page of items and, when there are more, the token for the next page. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    items: z.array(item),
    nextPageToken: z
      .string()
      .optional()
      .describe('Pass as pageToken to get the next page; absent on the last page'),
  });
