import { DomainError } from '@app/common/domain-error';

/** Opaque paging cursors: base64url of a position string. */
export function encodeCursor(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) throw new DomainError('INVALID_CURSOR', 'cursor is not valid');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/** Code-point order, the order `>` uses: paging by name must sort the same way it compares. */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One page of items identified by a unique name, in name order: the items after the cursor's
 * name, at most `limit`, and a cursor for the next page when there is one.
 */
export function pageByName<T>(
  items: readonly T[],
  nameOf: (item: T) => string,
  limit: number,
  cursor: string | null,
): { items: T[]; nextCursor: string | null } {
  const after = cursor === null ? null : decodeCursor(cursor);
  const rest = items.filter((item) => after === null || nameOf(item) > after).sort((a, b) => byName(nameOf(a), nameOf(b)));
  const page = rest.slice(0, limit);
  return { items: page, nextCursor: rest.length > limit ? encodeCursor(nameOf(page[page.length - 1])) : null };
}
