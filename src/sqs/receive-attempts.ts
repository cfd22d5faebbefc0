import { LRUCache } from 'lru-cache';
import type { StoredMessage } from '@app/domain/message';

/** SQS keeps a ReceiveRequestAttemptId for 5 minutes. */
export const RECEIVE_ATTEMPT_TTL_MS = 5 * 60 * 1000;
const MAX_ATTEMPTS_KEPT = 10_000;

/**
 * What each FIFO receive with a ReceiveRequestAttemptId answered, per subject, queue and attempt
 * id, for 5 minutes (the least recently used dropped past 10,000), so a retried receive can get
 * the same messages and receipt handles. Kept in this replica's memory: a retry that reaches
 * another replica receives afresh (see docs/sqs.md).
 */
export class ReceiveAttempts {
  private readonly answers: LRUCache<string, StoredMessage[]>;

  constructor(now: () => number) {
    this.answers = new LRUCache({ max: MAX_ATTEMPTS_KEPT, ttl: RECEIVE_ATTEMPT_TTL_MS, ttlResolution: 0, perf: { now } });
  }

  get(subject: string, queue: string, attemptId: string): StoredMessage[] | null {
    return this.answers.get(JSON.stringify([subject, queue, attemptId])) ?? null;
  }

  remember(subject: string, queue: string, attemptId: string, messages: StoredMessage[]): void {
    this.answers.set(JSON.stringify([subject, queue, attemptId]), messages);
  }
}
