// Keyset paging of the admin list routes: a page size from the `limit` query (its pattern is
// `pageLimit` of schemas.ts) and the cursor of the next page.

/** The page size asked for, 100 by default. */
export const pageSize = (limit: string | undefined): number => Number(limit ?? '100');

/** The cursor of the next page: the key of the last item of a full page, else null. */
export function nextCursor<T>(list: readonly T[], size: number, key: (item: T) => string): string | null {
  return list.length === size ? key(list[list.length - 1]!) : null;
}
