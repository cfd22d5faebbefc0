import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import type { QueueDefinition } from '@app/domain/queue';
import type { MessageErrorInfo, StoredMessage } from '@app/domain/message';
import type { MessageStore } from '@app/storage/ports/message.store';
import { StorageService } from '@app/storage/storage.service';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { assertMessageId, isFifo, MessagesService } from '@app/messages/messages.service';
import { MessageEvents } from '@app/messages/message-events';
import { storedIdempotencyKey } from '@app/messages/idempotency-key';
import type { HandlerOutcome } from '@app/messages/handlers/handler-pool';

const MAX_BACKOFF_MS = 3_600_000;

/** A consumer's ack: it counts only while the lease is current (see Settlement.leaseActiveAt). */
export interface AckOptions {
  ack?: boolean;
}

export function errorInfo(error: unknown): MessageErrorInfo {
  if (error instanceof Error) return { name: error.name || 'Error', message: error.message };
  if (error && typeof error === 'object' && 'message' in error) {
    const e = error as { name?: unknown; message?: unknown };
    return { name: typeof e.name === 'string' ? e.name : 'Error', message: String(e.message) };
  }
  return { name: 'Error', message: typeof error === 'string' ? error : JSON.stringify(error ?? null) };
}

function handlerError(outcome: HandlerOutcome): MessageErrorInfo {
  return 'error' in outcome ? outcome.error : { name: 'Error', message: `handler ${outcome.kind}` };
}

function maxReceivesExceeded(receives: number, maxReceives: number): MessageErrorInfo {
  return { name: 'MaxReceivesExceeded', message: `received ${receives} times, the limit is ${maxReceives} (maxReceives); the last lease expired` };
}

/** The idempotency key of the dead-letter copy of a message that ended ERROR (one copy per failure). */
export function deadLetterKey(sourceQueue: string, failed: Pick<StoredMessage, 'id' | 'updatedAt'>): string {
  return storedIdempotencyKey({ kind: 'dead-letter', queue: sourceQueue, id: failed.id, failedAt: failed.updatedAt });
}

/** The keys a dead-letter copy of this failure may carry: the current form, and the form copies stored before it had. */
export function deadLetterKeys(sourceQueue: string, failed: Pick<StoredMessage, 'id' | 'updatedAt'>): string[] {
  return [deadLetterKey(sourceQueue, failed), `dead-letter:${sourceQueue}:${failed.id}:${failed.updatedAt}`];
}

/** What a handler's outcome does to its message. */
export type HandlerTransition = 'COMPLETE' | 'RETRY' | 'ERROR' | 'RELEASE';

function attemptsLeft(definition: QueueDefinition, attempts: number): boolean {
  return attempts < definition.delivery.maxAttempts;
}

/**
 * The one table from a handler's outcome to its message's next state: a result completes it; an
 * error, a timeout or a crashed worker is a failed attempt, retried after the backoff while attempts
 * remain, else ERROR with the dead-letter copy; an interrupted run (shutdown, a worker stopped for
 * another task) goes back to its place with the attempt uncounted.
 */
export function handlerTransition(kind: HandlerOutcome['kind'], attempts: number, definition: QueueDefinition): HandlerTransition {
  switch (kind) {
    case 'complete':
      return 'COMPLETE';
    case 'interrupted':
      return 'RELEASE';
    case 'error':
    case 'timeout':
    case 'crashed':
      return attemptsLeft(definition, attempts) ? 'RETRY' : 'ERROR';
  }
}

/**
 * backoffSeconds × 2^(attempts−1), capped at one hour, with equal jitter: half of it fixed, the
 * other half scaled by `jitter` (0 to 1), so failed messages of one burst do not retry together.
 */
export function retryDelayMs(definition: QueueDefinition, attempts: number, jitter: number): number {
  const base = definition.delivery.backoffSeconds * 1000;
  const nominal = Math.min(MAX_BACKOFF_MS, base * 2 ** Math.max(0, attempts - 1));
  const fraction = Math.min(1, Math.max(0, jitter));
  return Math.round(nominal / 2 + (nominal / 2) * fraction);
}

/**
 * The life of a leased message, shared by the handler dispatcher and pull consumers:
 * claim, complete, fail (retry with backoff, or ERROR + dead letter), return, move, and
 * the expiry of leases nobody acknowledged. Every transition is a compare-and-set on the
 * lease receipt, so two replicas or a late ack can never both win.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger('Delivery');

  constructor(
    private readonly registry: QueueRegistry,
    private readonly storage: StorageService,
    private readonly messages: MessagesService,
    private readonly clock: Clock,
    private readonly events: MessageEvents,
  ) {}

  store(definition: QueueDefinition): MessageStore {
    return this.storage.forQueue(definition);
  }

  /**
   * FIFO queues: a handler gets one message of a group at a time (the next only once it is
   * settled); a receive may get several of one group, in order, as SQS returns them.
   */
  async claim(definition: QueueDefinition, max: number, leaseSeconds: number, via: 'handler' | 'receive'): Promise<StoredMessage[]> {
    const now = this.clock.now();
    const request = { max, now, leaseExpiresAt: now + leaseSeconds * 1000, deferLeaseDurability: via === 'receive' };
    const groups = isFifo(definition) ? { perGroup: via === 'handler' ? 1 : max } : undefined;
    const claimed = await this.store(definition).claim(definition.name, groups ? { ...request, groups } : request);
    if (claimed.length) this.events.emit({ type: 'delivered', queue: definition.name, count: claimed.length, via });
    return claimed;
  }

  async complete(definition: QueueDefinition, id: string, receipt: string, result: unknown, options: AckOptions = {}): Promise<StoredMessage> {
    const done = await this.settle(definition, id, receipt, { status: 'COMPLETE', result: result ?? null, error: null }, options);
    this.events.emit({ type: 'completed', queue: definition.name });
    return done;
  }

  /** Stores what a handler's run did to its leased message (see handlerTransition). */
  async settleHandlerOutcome(definition: QueueDefinition, message: StoredMessage, outcome: HandlerOutcome): Promise<StoredMessage> {
    const receipt = message.receipt!;
    switch (handlerTransition(outcome.kind, message.attempts, definition)) {
      case 'COMPLETE':
        return this.complete(definition, message.id, receipt, outcome.kind === 'complete' ? outcome.result : null);
      case 'RELEASE':
        return this.release(definition, message.id, receipt, { toEnd: false, delaySeconds: outcome.kind === 'interrupted' ? outcome.delaySeconds : undefined });
      case 'RETRY':
        return this.retry(definition, message, receipt, handlerError(outcome));
      case 'ERROR':
        return this.giveUp(definition, message.id, receipt, handlerError(outcome));
    }
  }

  /** A failed attempt: retried after the backoff while attempts remain, else ERROR (+ dead letter). */
  async fail(definition: QueueDefinition, message: StoredMessage, receipt: string, error: unknown): Promise<StoredMessage> {
    const info = errorInfo(error);
    if (attemptsLeft(definition, message.attempts)) return this.retry(definition, message, receipt, info);
    return this.giveUp(definition, message.id, receipt, info);
  }

  private async retry(definition: QueueDefinition, message: StoredMessage, receipt: string, error: MessageErrorInfo): Promise<StoredMessage> {
    const now = this.clock.now();
    const retried = await this.settle(definition, message.id, receipt, {
      status: 'PENDING',
      error,
      availableAt: now + retryDelayMs(definition, message.attempts, this.clock.jitter()),
    });
    this.events.emit({ type: 'failed', queue: definition.name, retry: true });
    return retried;
  }

  /** Ends the message as ERROR now, with the dead-letter copy. */
  async giveUp(definition: QueueDefinition, id: string, receipt: string, error: MessageErrorInfo, options: AckOptions = {}): Promise<StoredMessage> {
    const failed = await this.settle(definition, id, receipt, { status: 'ERROR', error }, options);
    this.events.emit({ type: 'failed', queue: definition.name, retry: false });
    await this.deadLetter(definition, failed);
    return failed;
  }

  /** Not a failure: the attempt is not counted. `toEnd` puts it behind every other pending message. */
  async release(
    definition: QueueDefinition,
    id: string,
    receipt: string,
    options: AckOptions & { toEnd: boolean; delaySeconds?: number },
  ): Promise<StoredMessage> {
    const now = this.clock.now();
    const released = await this.settle(
      definition,
      id,
      receipt,
      { status: 'PENDING', toEnd: options.toEnd, uncountAttempt: true, availableAt: now + (options.delaySeconds ?? 0) * 1000 },
      options,
    );
    this.events.emit({ type: 'returned', queue: definition.name });
    return released;
  }

  /** Stores a PENDING copy in `target` and completes the original with `{movedTo}`. */
  async moveTo(definition: QueueDefinition, message: StoredMessage, receipt: string, target: string, sentBy: string | null): Promise<StoredMessage> {
    const entry = this.registry.require(target);
    const current = await this.store(definition).get(definition.name, message.id);
    if (!current || current.receipt !== receipt || current.status !== 'INPROGRESS') {
      throw new DomainError('RECEIPT_STALE', 'The receipt is not the current lease of this message');
    }
    const record = this.messages.prepare(entry, current.request, {
      sentBy,
      senderRoles: sentBy === current.sentBy ? current.senderRoles : null,
      storedKey: storedIdempotencyKey({ kind: 'moved', queue: definition.name, id: message.id, attempt: current.attempts }),
      groupId: current.groupId,
    });
    const [moved] = await this.messages.insertPrepared([record]);
    return this.complete(definition, message.id, receipt, { movedTo: { queue: target, id: moved.message.id } });
  }

  async extend(definition: QueueDefinition, id: string, receipt: string, visibilitySeconds: number): Promise<StoredMessage> {
    assertMessageId(definition.name, id);
    const now = this.clock.now();
    return this.store(definition).extendLease(definition.name, id, receipt, now + visibilitySeconds * 1000, now);
  }

  /**
   * ERROR → PENDING. The dead-letter copy of this failure, if one is still waiting in the
   * dead-letter queue, is deleted after the requeue, so the work is not done twice; a copy
   * somebody is processing right now refuses the requeue (DEAD_LETTER_IN_PROGRESS).
   */
  async requeue(definition: QueueDefinition, id: string): Promise<StoredMessage> {
    assertMessageId(definition.name, id);
    const store = this.store(definition);
    const message = await store.get(definition.name, id);
    const copy = message?.status === 'ERROR' ? await this.deadLetterCopy(definition, message) : null;
    if (copy?.message.status === 'INPROGRESS') {
      throw new DomainError(
        'DEAD_LETTER_IN_PROGRESS',
        `The dead-letter copy ${copy.message.id} of message ${id} is being processed in queue ${copy.queue}; settle it first`,
      );
    }
    const requeued = await store.requeue(definition.name, id, this.clock.now());
    this.events.emit({ type: 'returned', queue: definition.name });
    if (copy && copy.message.status !== 'COMPLETE') await copy.store.delete(copy.queue, copy.message.id);
    return requeued;
  }

  private async deadLetterCopy(
    definition: QueueDefinition,
    failed: StoredMessage,
  ): Promise<{ queue: string; store: MessageStore; message: StoredMessage } | null> {
    const target = definition.delivery.deadLetterQueue;
    const entry = target ? this.registry.get(target) : undefined;
    if (!entry) return null;
    const store = this.storage.forQueue(entry.definition);
    for (const key of deadLetterKeys(definition.name, failed)) {
      const message = await store.findByIdempotencyKey(entry.definition.name, key);
      if (message) return { queue: entry.definition.name, store, message };
    }
    return null;
  }

  /**
   * Leases that expired unacknowledged. A handler's is a failed attempt (maxAttempts); a received
   * message's goes back to PENDING at its place for redelivery, until maxReceives receives (see
   * `redeliver`). Returns how many were handled; a lease settled meanwhile by its holder is skipped.
   */
  async expireLeases(definition: QueueDefinition, limit = 100): Promise<number> {
    return this.expireFound(definition, await this.store(definition).findExpiredLeases(definition.name, this.clock.now(), limit));
  }

  /** Expires leases found overdue (findExpiredLeases); one already settled or redelivered meanwhile is skipped. Returns how many were expired here. */
  async expireFound(definition: QueueDefinition, expired: StoredMessage[]): Promise<number> {
    const pulled = this.registry.get(definition.name)?.handlerPath === null;
    let handled = 0;
    for (const message of expired) {
      try {
        if (pulled) await this.redeliver(definition, message);
        else await this.fail(definition, message, message.receipt!, { name: 'LeaseExpired', message: `lease expired after attempt ${message.attempts}` });
        handled++;
      } catch (error) {
        if (!(error instanceof DomainError && (error.code === 'RECEIPT_STALE' || error.code === 'MESSAGE_NOT_FOUND'))) throw error;
      }
    }
    return handled;
  }

  /**
   * Ends a received message's lease now, as if it had expired (SQS ChangeMessageVisibility 0): the
   * receive counts. Not through the expiry sweep, which takes only leases that ended before `now`.
   */
  async endLease(definition: QueueDefinition, message: StoredMessage): Promise<StoredMessage> {
    return this.redeliver(definition, message);
  }

  /**
   * A received message whose lease expired (SQS: visibility timeout): PENDING again at once, its
   * receive counted; once it has been received maxReceives times (0 = unlimited) it is ERROR instead,
   * with the dead-letter copy.
   */
  private async redeliver(definition: QueueDefinition, message: StoredMessage): Promise<StoredMessage> {
    const maxReceives = definition.delivery.maxReceives ?? 0;
    if (maxReceives > 0 && message.attempts >= maxReceives) {
      return this.giveUp(definition, message.id, message.receipt!, maxReceivesExceeded(message.attempts, maxReceives));
    }
    const now = this.clock.now();
    const returned = await this.settle(definition, message.id, message.receipt!, {
      status: 'PENDING',
      error: { name: 'LeaseExpired', message: `lease expired after receive ${message.attempts}` },
      availableAt: now,
    });
    this.events.emit({ type: 'returned', queue: definition.name });
    return returned;
  }

  /**
   * Received messages past maxReceives (possible after the limit was lowered) are not handed out:
   * they end as ERROR with the dead-letter copy. Returns the others.
   */
  async overReceived(definition: QueueDefinition, claimed: StoredMessage[]): Promise<StoredMessage[]> {
    const maxReceives = definition.delivery.maxReceives ?? 0;
    if (maxReceives === 0 || claimed.every((m) => m.attempts <= maxReceives)) return claimed;
    const kept: StoredMessage[] = [];
    for (const message of claimed) {
      if (message.attempts <= maxReceives) kept.push(message);
      else await this.giveUp(definition, message.id, message.receipt!, maxReceivesExceeded(message.attempts - 1, maxReceives));
    }
    return kept;
  }

  private async settle(
    definition: QueueDefinition,
    id: string,
    receipt: string,
    change: {
      status: StoredMessage['status'];
      result?: unknown;
      error?: MessageErrorInfo | null;
      availableAt?: number;
      toEnd?: boolean;
      uncountAttempt?: boolean;
    },
    options: AckOptions = {},
  ): Promise<StoredMessage> {
    assertMessageId(definition.name, id);
    const now = this.clock.now();
    return this.store(definition).settle(definition.name, id, receipt, { ...change, now, ...(options.ack ? { leaseActiveAt: now } : {}) });
  }

  private async deadLetter(definition: QueueDefinition, failed: StoredMessage): Promise<void> {
    const target = definition.delivery.deadLetterQueue;
    if (!target) return;
    const entry = this.registry.get(target);
    if (!entry) {
      this.logger.error(
        { queue: definition.name, deadLetterQueue: target, messageId: failed.id },
        'dead-letter queue does not exist; the message stays ERROR only',
      );
      return;
    }
    const now = this.clock.now();
    await this.storage.forQueue(entry.definition).insert([
      {
        id: randomUUID(),
        queue: target,
        request: failed.request,
        sentBy: failed.sentBy,
        senderRoles: failed.senderRoles,
        createdAt: now,
        availableAt: now,
        idempotencyKey: deadLetterKey(definition.name, failed),
        deadLetter: { queue: definition.name, id: failed.id, error: failed.error },
        groupId: isFifo(entry.definition) ? failed.groupId : null,
      },
    ]);
    this.events.emit({ type: 'dead_lettered', queue: definition.name, target });
  }
}
