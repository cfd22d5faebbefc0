import type { MessageEvents } from '@app/messages/message-events';
import type { MessageStore } from '@app/storage/ports/message.store';

/**
 * One wait of a long poll for a queue. Armed before the claim attempt so that a message
 * that arrives between the claim and the wait is not missed: `wait` then returns at once.
 * Wakes on a local push or return (MessageEvents), on the store's availability signal
 * (e.g. Postgres NOTIFY from another replica), on abort, or after `timeoutMs`. With
 * `settlesFreeGroups` (FIFO queues) a local settlement wakes it too: it may have freed a group.
 */
export class AvailabilityWaiter {
  private signalled = false;
  private wake: (() => void) | null = null;
  private readonly disposers: (() => void)[] = [];

  constructor(queue: string, events: MessageEvents, store: MessageStore, signal: AbortSignal, settlesFreeGroups = false) {
    const notify = () => {
      this.signalled = true;
      this.wake?.();
    };
    this.disposers.push(
      events.subscribe((event) => {
        if (event.queue !== queue) return;
        if (event.type === 'pushed' || event.type === 'returned') notify();
        else if (settlesFreeGroups && (event.type === 'completed' || (event.type === 'failed' && !event.retry))) notify();
      }),
      store.onAvailable((name) => {
        if (name === queue) notify();
      }),
    );
    signal.addEventListener('abort', notify, { once: true });
    this.disposers.push(() => signal.removeEventListener('abort', notify));
  }

  /** Resolves when something happened since the waiter was armed, or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    if (this.signalled || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  dispose(): void {
    for (const dispose of this.disposers.splice(0)) dispose();
    this.wake?.();
  }
}
