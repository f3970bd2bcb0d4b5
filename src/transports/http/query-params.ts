// Query-parameter schemas the admin API's list endpoints share.
import { z } from 'zod';

/** `a,b,c` → a non-empty list of allowed values. */
export const commaList = <T extends string>(values: readonly T[], what = 'values') =>
  z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(
      z
        .array(
          z.enum(values as [T, ...T[]], { error: `must be a comma-separated list of ${values.join(', ')}` }),
        )
        .min(1, 'must not be empty'),
    )
    .describe(`Comma-separated ${what}: ${values.join(', ')}`);

/** An ISO-8601 time with offset → epoch milliseconds. */
export const isoTimeQuery = (description: string) =>
  z.iso
    .datetime({ offset: true, error: 'must be an ISO-8601 time such as 2026-01-01T00:00:00Z' })
    .transform((text) => Date.parse(text))
    .describe(description);
