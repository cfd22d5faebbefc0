import type { StoredMessage } from '@app/storage/ports/message.store';

/** SQS keeps a ReceiveRequestAttemptId for 5 minutes. */
export const RECEIVE_ATTEMPT_TTL_MS = 5 * 60 * 1000;
const MAX_ATTEMPTS_KEPT = 10_000;

/**
 * What each FIFO receive with a ReceiveRequestAttemptId answered, per subject, queue and attempt
 * id, for 5 minutes (the oldest dropped past 10,000), so a retried receive can get the same
 * messages and receipt handles. Kept in this replica's memory: a retry that reaches another
 * replica receives afresh (see docs/sqs.md).
 */
export class ReceiveAttempts {
  private readonly answers = new Map<string, { at: number; messages: StoredMessage[] }>();

  constructor(private readonly now: () => number) {}

  get(subject: string, queue: string, attemptId: string): StoredMessage[] | null {
    const key = JSON.stringify([subject, queue, attemptId]);
    const entry = this.answers.get(key);
    if (!entry) return null;
    if (this.now() - entry.at >= RECEIVE_ATTEMPT_TTL_MS) {
      this.answers.delete(key);
      return null;
    }
    return entry.messages;
  }

  remember(subject: string, queue: string, attemptId: string, messages: StoredMessage[]): void {
    const key = JSON.stringify([subject, queue, attemptId]);
    this.answers.delete(key);
    this.answers.set(key, { at: this.now(), messages });
    const now = this.now();
    for (const [oldest, entry] of this.answers) {
      if (this.answers.size <= MAX_ATTEMPTS_KEPT && now - entry.at < RECEIVE_ATTEMPT_TTL_MS) break;
      this.answers.delete(oldest);
    }
  }
}
