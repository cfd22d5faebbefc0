import type { StoredMessage } from '@app/domain/message';

/**
 * The phase of one handler queue in the dispatcher:
 *
 * - `idle`: no claim loop runs; a wake starts one.
 * - `claiming`: the claim loop runs (claims, starts handlers while capacity allows).
 * - `claiming-again`: woken while claiming: the loop makes one more round before it stops.
 * - `storage-down`: the last claim failed; the next wake (the tick, a push) tries again.
 * - `retiring`: the queue's handler was removed while the claim loop ran; the loop stops at its next check.
 * - `draining`: the queue's handler was removed: nothing is claimed, running handlers finish.
 * - `removed`: drained and forgotten (terminal).
 */
export type QueuePhase = 'idle' | 'claiming' | 'claiming-again' | 'storage-down' | 'retiring' | 'draining' | 'removed';

/**
 * - `wake`: a message may be available (push, return, tick, retry timer, a freed slot).
 * - `next-round`: the claim loop finished a round and was woken meanwhile.
 * - `loop-ended`: the claim loop stopped (capacity full, queue empty, or draining).
 * - `claim-failed`: the claim loop stopped on a storage error.
 * - `retire` / `reinstate`: the queue's handler was removed / came back.
 * - `drained`: a draining queue's last handler settled.
 */
export type QueueEvent = 'wake' | 'next-round' | 'loop-ended' | 'claim-failed' | 'retire' | 'reinstate' | 'drained';

/** Every legal transition; anything else is a dispatcher bug and throws. */
export const QUEUE_TRANSITIONS: Readonly<Record<QueuePhase, Readonly<Partial<Record<QueueEvent, QueuePhase>>>>> = {
  idle: { wake: 'claiming', retire: 'draining' },
  claiming: { wake: 'claiming-again', 'loop-ended': 'idle', 'claim-failed': 'storage-down', retire: 'retiring' },
  'claiming-again': { wake: 'claiming-again', 'next-round': 'claiming', 'loop-ended': 'idle', 'claim-failed': 'storage-down', retire: 'retiring' },
  'storage-down': { wake: 'claiming', retire: 'draining' },
  retiring: { wake: 'retiring', retire: 'retiring', reinstate: 'claiming-again', 'loop-ended': 'draining', 'claim-failed': 'draining' },
  draining: { wake: 'draining', retire: 'draining', reinstate: 'idle', drained: 'removed' },
  removed: {},
};

export class IllegalQueueTransition extends Error {
  constructor(
    readonly queue: string,
    readonly phase: QueuePhase,
    readonly event: QueueEvent,
  ) {
    super(`queue ${queue}: no transition from ${phase} on ${event}`);
    this.name = 'IllegalQueueTransition';
  }
}

/** One handler queue's dispatch state: its phase, and the counts and timers the capacity checks read. */
export class QueueDispatchState {
  private current: QueuePhase = 'idle';
  /** handlers running now */
  active = 0;
  /** handlers that returned and whose outcome is being stored */
  settling = 0;
  /** a claim was held back by the global cap: wake when capacity frees up */
  starved = false;
  /** claimed ahead (queues with concurrency > 1): leased, waiting for a slot */
  readonly ready: Array<{ message: StoredMessage; claimedAt: number }> = [];
  retryTimer: NodeJS.Timeout | null = null;
  retryAt = 0;
  lastWarnAt = 0;

  constructor(readonly name: string) {}

  get phase(): QueuePhase {
    return this.current;
  }

  /** The claim loop runs (it may be about to stop, when retiring). */
  get claiming(): boolean {
    return this.current === 'claiming' || this.current === 'claiming-again' || this.current === 'retiring';
  }

  get draining(): boolean {
    return this.current === 'draining';
  }

  /** No handler of this queue is running or settling. */
  get quiet(): boolean {
    return this.active + this.settling === 0;
  }

  fire(event: QueueEvent): QueuePhase {
    const next = QUEUE_TRANSITIONS[this.current][event];
    if (!next) throw new IllegalQueueTransition(this.name, this.current, event);
    this.current = next;
    return next;
  }

  /** True when the wake must start a claim loop (none runs, and the queue is not retired). */
  wake(): boolean {
    const start = this.current === 'idle' || this.current === 'storage-down';
    this.fire('wake');
    return start;
  }

  /** At the end of a round of the claim loop: true when it was woken meanwhile and goes on. */
  continueLoop(): boolean {
    if (this.current !== 'claiming-again') return false;
    this.fire('next-round');
    return true;
  }

  clearRetryTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
