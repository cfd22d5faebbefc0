import { LRUCache } from 'lru-cache';
import type { StoredMessage } from '@app/domain/message';

/** SQS keeps a ReceiveRequestAttemptId for 5 minutes. */
export const RECEIVE_ATTEMPT_TTL_MS = 5 * 60 * 1000;
const MAX_ATTEMPTS_KEPT = 10_000;
/** The answers hold message bodies: a reader repeating receives with fresh attempt ids must not grow memory past this. */
export const MAX_ATTEMPT_BYTES = 64 * 1024 * 1024;
const MESSAGE_OVERHEAD_BYTES = 512;

function answerBytes(messages: StoredMessage[]): number {
  return messages.reduce((bytes, m) => bytes + MESSAGE_OVERHEAD_BYTES + Buffer.byteLength(JSON.stringify(m.request) ?? ''), 1);
}

/**
 * What each FIFO receive with a ReceiveRequestAttemptId answered, per subject, queue and attempt
 * id, for 5 minutes (the least recently used dropped past 10,000 or 64 MiB of bodies), so a retried receive can get
 * the same messages and receipt handles. Kept in this replica's memory: a retry that reaches
 * another replica receives afresh (see docs/sqs.md).
 */
export class ReceiveAttempts {
  private readonly answers: LRUCache<string, StoredMessage[]>;

  constructor(now: () => number) {
    this.answers = new LRUCache({
      max: MAX_ATTEMPTS_KEPT,
      maxSize: MAX_ATTEMPT_BYTES,
      sizeCalculation: answerBytes,
      ttl: RECEIVE_ATTEMPT_TTL_MS,
      ttlResolution: 0,
      perf: { now },
    });
  }

  get(subject: string, queue: string, attemptId: string): StoredMessage[] | null {
    return this.answers.get(JSON.stringify([subject, queue, attemptId])) ?? null;
  }

  remember(subject: string, queue: string, attemptId: string, messages: StoredMessage[]): void {
    this.answers.set(JSON.stringify([subject, queue, attemptId]), messages);
  }
}
