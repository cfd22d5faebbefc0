import { DomainError } from '@app/common/domain-error';

/** Opaque paging cursors: base64url of a position string. */
export function encodeCursor(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) throw new DomainError('INVALID_CURSOR', 'cursor is not valid');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
