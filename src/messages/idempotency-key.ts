import { createHash } from 'node:crypto';
import { DomainError } from '@app/common/domain-error';

/** What a client may send as `Idempotency-Key`. */
const CLIENT_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Where a stored idempotency key comes from. Each kind is its own namespace, and the parts
 * (sender, topic, index, ...) are part of the key, so no request can produce another's key.
 */
export type KeyScope =
  | { kind: 'push'; sentBy: string | null; key: string }
  | { kind: 'batch'; sentBy: string | null; key: string; index: number }
  | { kind: 'topic'; sentBy: string | null; topic: string; key: string }
  | { kind: 'handler'; queue: string; key: string }
  | { kind: 'moved'; queue: string; id: string; attempt: number }
  | { kind: 'dead-letter'; queue: string; id: string; failedAt: number }
  /** a dead letter (`id` in dead-letter queue `queue`) stored anew in its source queue by a redrive */
  | { kind: 'redrive'; queue: string; id: string }
  /** a FIFO queue's deduplication id (per queue, whoever sends; remembered for the queue's window) */
  | { kind: 'dedup'; queue: string; id: string };

/** Stored keys of kind `dedup` start with this. */
export const DEDUP_KEY_PREFIX = 'dedup ';

/** What a client may send as `Message-Group-Id` or `Deduplication-Id` (as SQS: 1 to 128 visible ASCII characters). */
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;

export function assertClientKey(key: string): void {
  if (!CLIENT_KEY.test(key)) throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 200 visible ASCII characters');
}

export function assertFifoId(value: string, name: 'Message-Group-Id' | 'Deduplication-Id'): void {
  if (!FIFO_ID.test(value)) throw new DomainError('VALIDATION_FAILED', `${name} must be 1 to 128 visible ASCII characters`);
}

/** Content-based deduplication: the SHA-256 (hex) of the message body as JSON. */
export function contentDeduplicationId(body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

/**
 * The key as stored: `<kind> <sha256 hex of the JSON array of kind and parts>`. JSON arrays are
 * unambiguous (no separator a part could contain), the digest has a fixed length (well within the
 * 255 characters of the SQL column) and only lowercase hex, so it compares the same under any
 * collation. Keys stored before this form never have a space after their kind (client keys had
 * no spaces; topic, move and dead-letter keys started `topic:`, `moved:`, `dead-letter:`), so
 * old and new keys never meet.
 */
export function storedIdempotencyKey(scope: KeyScope): string {
  const parts: unknown[] = (() => {
    switch (scope.kind) {
      case 'push':
        return [scope.kind, scope.sentBy, scope.key];
      case 'batch':
        return [scope.kind, scope.sentBy, scope.key, scope.index];
      case 'topic':
        return [scope.kind, scope.sentBy, scope.topic, scope.key];
      case 'handler':
        return [scope.kind, scope.queue, scope.key];
      case 'moved':
        return [scope.kind, scope.queue, scope.id, scope.attempt];
      case 'dead-letter':
        return [scope.kind, scope.queue, scope.id, scope.failedAt];
      case 'redrive':
      case 'dedup':
        return [scope.kind, scope.queue, scope.id];
    }
  })();
  return `${scope.kind} ${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
}
