import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/common/domain-error';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';

/** What a long poll over the cap is told to wait before trying again. */
export const LONG_POLL_RETRY_AFTER_SECONDS = 1;

/**
 * Counts the long polls (receives with waitSeconds > 0) held open by this process: at most
 * LONG_POLL_MAX_PER_SUBJECT per subject and LONG_POLL_MAX in all. One over either cap is
 * refused with 429 TOO_MANY_LONG_POLLS and Retry-After instead of being held.
 */
@Injectable()
export class LongPollSlots {
  private total = 0;
  private readonly bySubject = new Map<string, number>();
  private readonly max: number;
  private readonly maxPerSubject: number;

  constructor(@InjectConfig() config: AppConfig) {
    this.max = config.longPoll.max;
    this.maxPerSubject = config.longPoll.maxPerSubject;
  }

  /** Takes a slot for `subject` and answers the function that gives it back (once). */
  acquire(subject: string): () => void {
    const held = this.bySubject.get(subject) ?? 0;
    if (held >= this.maxPerSubject) throw refusal(`${subject} already holds ${held} long polls (LONG_POLL_MAX_PER_SUBJECT)`);
    if (this.total >= this.max) throw refusal(`this replica already holds ${this.total} long polls (LONG_POLL_MAX)`);
    this.bySubject.set(subject, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.bySubject.get(subject) ?? 1) - 1;
      if (left > 0) this.bySubject.set(subject, left);
      else this.bySubject.delete(subject);
    };
  }

  get open(): number {
    return this.total;
  }
}

function refusal(reason: string): DomainError {
  return new DomainError('TOO_MANY_LONG_POLLS', `Too many long polls: ${reason}; retry in ${LONG_POLL_RETRY_AFTER_SECONDS} s or use waitSeconds 0`, undefined, {
    retryAfterSeconds: LONG_POLL_RETRY_AFTER_SECONDS,
  });
}
