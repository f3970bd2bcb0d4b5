// Keyset paging for list endpoints. A page token is base64url of a small JSON
// object {after, key?, filterHash}: opaque to clients, not signed (a forged
// `after` only moves the cursor), but bound to the filters (and sort) it was
// made for, so reusing it with other filters is refused rather than returning a
// confusing page. `key` is the last row's sort value in listings sorted by
// something other than the id.
import { z } from 'zod';
import { contentHash } from '../../shared/canonical-json.js';
import { invalidArgument } from '../../shared/errors.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** The query parameters every list endpoint takes; spread into its query schema. */
export const pageQueryShape = {
  pageSize: z
    .string()
    .regex(/^\d{1,6}$/, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
        .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`),
    )
    .optional()
    .describe(`Items per page, 1-${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`),
  pageToken: z
    .string()
    .max(1024, 'is not a valid page token')
    .optional()
    .describe('nextPageToken of the previous page'),
};

export interface PageQuery {
  readonly pageSize?: number | undefined;
  readonly pageToken?: string | undefined;
}

export interface PageRequest {
  readonly afterId?: string;
  /** The sort value of the row afterId names (sorted listings only). */
  readonly afterKey?: string | number;
  readonly limit: number;
}

const tokenSchema = z.strictObject({
  after: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
  key: z.union([z.string().max(512), z.number()]).optional(),
  filterHash: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
});

const badToken = (description: string) =>
  invalidArgument('invalid page token', [{ field: 'pageToken', description }]);

/** The store page a request asks for; `filter` is what the listing is filtered (and ordered) by. */
export function pageRequest(query: PageQuery, filter: unknown): PageRequest {
  const limit = query.pageSize ?? DEFAULT_PAGE_SIZE;
  if (query.pageToken === undefined || query.pageToken === '') return { limit };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(query.pageToken, 'base64url').toString('utf8'));
  } catch {
    throw badToken('is not a valid page token');
  }
  const token = tokenSchema.safeParse(decoded);
  if (!token.success) throw badToken('is not a valid page token');
  if (token.data.filterHash !== filterHash(filter))
    throw badToken('belongs to a listing with other filters; start again without it');
  return {
    afterId: token.data.after,
    ...(token.data.key === undefined ? {} : { afterKey: token.data.key }),
    limit,
  };
}

/** A list response for one store page. */
export function pageResponse<T, U>(
  page: {
    readonly items: readonly T[];
    readonly nextAfterId: string | undefined;
    readonly nextAfterKey?: string | number | undefined;
  },
  filter: unknown,
  toJson: (item: T) => U,
): { items: U[]; nextPageToken?: string } {
  const items = page.items.map(toJson);
  if (page.nextAfterId === undefined) return { items };
  return { items, nextPageToken: encodePageToken(page.nextAfterId, filter, page.nextAfterKey) };
}

export function encodePageToken(after: string, filter: unknown, key?: string | number): string {
  const token = { after, ...(key === undefined ? {} : { key }), filterHash: filterHash(filter) };
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

function filterHash(filter: unknown): string {
  return contentHash(filter).slice(0, 16);
}
