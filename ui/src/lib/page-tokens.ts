// The page-token stack behind Pager: page n is fetched with tokens[n]
// (undefined for the first page). Pure, so it is unit tested.
export interface PageCursor {
  /** tokens[i] fetches page i; tokens[0] is undefined. */
  readonly tokens: readonly (string | undefined)[];
  readonly page: number;
}

export const firstPage: PageCursor = { tokens: [undefined], page: 0 };

export function nextPage(cursor: PageCursor, nextToken: string | undefined): PageCursor {
  if (nextToken === undefined) return cursor;
  const tokens = [...cursor.tokens.slice(0, cursor.page + 1), nextToken];
  return { tokens, page: cursor.page + 1 };
}

export function previousPage(cursor: PageCursor): PageCursor {
  return cursor.page === 0 ? cursor : { tokens: cursor.tokens, page: cursor.page - 1 };
}

export const currentToken = (cursor: PageCursor): string | undefined => cursor.tokens[cursor.page];
