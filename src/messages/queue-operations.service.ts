import { Injectable, Logger } from '@nestjs/common';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Clock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import type { QueueDefinition } from '@app/domain/queue';
import type { StoredMessage } from '@app/domain/message';
import type { MessageStore } from '@app/storage/ports/message.store';
import { StorageService } from '@app/storage/storage.service';
import { QueueRegistry, type QueueEntry } from '@app/queues/queue-registry.service';
import { AccessService } from '@app/security/access.service';
import type { Principal } from '@app/security/principal';
import { MessagesService } from '@app/messages/messages.service';
import { deadLetterKeys } from '@app/messages/delivery.service';
import { storedIdempotencyKey } from '@app/messages/idempotency-key';
import { MessageEvents } from '@app/messages/message-events';
import type { PurgeInput, RedriveInput, RedriveOutcome, RedriveSkip } from '@app/messages/queue-operations.schemas';

/** Messages deleted per store call: the event loop and the store are free between chunks. */
export const PURGE_CHUNK = 500;
/** Dead letters read per page while redriving. */
const REDRIVE_PAGE = 100;
/** Dead letters redriven at the same time (each is a few store round trips; the stores group their writes). */
const REDRIVE_PARALLEL = 8;
/** A redrive request looks at no more dead letters than this (skipped ones included). */
const REDRIVE_SCAN_LIMIT = 5_000;

export interface PurgeResult {
  queue: string;
  status: string | null;
  deleted: number;
  done: boolean;
}

export interface RedriveResult {
  queue: string;
  redriven: number;
  items: Array<{ id: string; source: { queue: string; id: string }; outcome: RedriveOutcome }>;
  skipped: Array<{ id: string; reason: RedriveSkip }>;
  nextCursor: string | null;
  done: boolean;
}

type Handled = { outcome: RedriveOutcome; sourceId: string } | { skip: RedriveSkip };

/**
 * Operations on a whole queue: purge, and redrive of a dead-letter queue back to its sources.
 * Each request does a bounded amount of work in chunks and says whether more is left, so a large
 * queue is handled by repeating the request (any replica may serve the next one: no state is kept
 * between requests). Every run writes one audit line: who, what, how many.
 */
@Injectable()
export class QueueOperationsService {
  private readonly audit = new Logger('Audit');

  constructor(
    private readonly registry: QueueRegistry,
    private readonly storage: StorageService,
    private readonly messages: MessagesService,
    private readonly access: AccessService,
    private readonly events: MessageEvents,
    private readonly clock: Clock,
  ) {}

  async purge(queue: string, input: PurgeInput, principal: Principal): Promise<PurgeResult> {
    const definition = this.registry.require(queue).definition;
    const store = this.storage.forQueue(definition);
    let deleted = 0;
    let done = false;
    try {
      while (deleted < input.maxMessages) {
        const limit = Math.min(PURGE_CHUNK, input.maxMessages - deleted);
        const n = await store.deleteMessages(queue, { status: input.status, limit });
        deleted += n;
        if (n < limit) {
          done = true;
          break;
        }
        await yieldToLoop();
      }
      if (!done) done = await this.nothingLeft(store, queue, input.status);
    } finally {
      this.audit.log(`purge queue=${queue} status=${input.status ?? 'ALL'} by=${JSON.stringify(principal.subject)} deleted=${deleted} done=${done}`);
    }
    if (deleted) this.events.emit({ type: 'purged', queue, count: deleted });
    return { queue, status: input.status ?? null, deleted, done };
  }

  /**
   * Sends dead letters back to their source queues, each exactly once (see docs/delivery.md):
   * the source is enqueued first — idempotently — and the dead letter deleted after, so a crash in
   * between leaves a dead letter that the next redrive recognises as done and only deletes.
   */
  async redrive(queue: string, input: RedriveInput, principal: Principal): Promise<RedriveResult> {
    const dlq = this.registry.require(queue).definition;
    if (input.sourceQueue !== undefined) {
      await this.access.assert(principal, 'queue.admin', { queue: this.registry.require(input.sourceQueue).definition });
    }
    const store = this.storage.forQueue(dlq);
    const result: RedriveResult = { queue, redriven: 0, items: [], skipped: [], nextCursor: null, done: true };
    const allowed = new Map<string, Promise<boolean>>();
    const notBefore = input.olderThanSeconds === undefined ? null : this.clock.now() - input.olderThanSeconds * 1000;
    const wanted = (m: StoredMessage) =>
      (input.status ? m.status === input.status : m.status === 'PENDING' || m.status === 'ERROR') &&
      (notBefore === null || m.createdAt <= notBefore) &&
      (input.sourceQueue === undefined || m.deadLetter?.queue === input.sourceQueue);

    const record = (copy: StoredMessage, handled: Handled) => {
      if ('skip' in handled) {
        result.skipped.push({ id: copy.id, reason: handled.skip });
        return;
      }
      result.redriven++;
      result.items.push({ id: copy.id, source: { queue: copy.deadLetter!.queue, id: handled.sourceId }, outcome: handled.outcome });
    };
    /** Results are recorded in page order, also those finished before a failure, so the answer and the audit line miss none. */
    const redriveAll = async (copies: StoredMessage[]) => {
      const handled = new Array<Handled | undefined>(copies.length);
      try {
        await mapLimited(copies, REDRIVE_PARALLEL, async (copy, i) => void (handled[i] = await this.redriveOne(dlq, store, copy, principal, allowed)));
      } finally {
        handled.forEach((outcome, i) => outcome && record(copies[i], outcome));
      }
    };

    try {
      if (input.ids) {
        for (let next = 0; next < input.ids.length && result.redriven < input.maxMessages;) {
          const slice = input.ids.slice(next, next + Math.min(REDRIVE_PARALLEL, input.maxMessages - result.redriven));
          next += slice.length;
          const found = await mapLimited(slice, REDRIVE_PARALLEL, (id) => store.get(queue, id));
          const copies: StoredMessage[] = [];
          found.forEach((copy, i) => {
            if (!copy) result.skipped.push({ id: slice[i], reason: 'MESSAGE_NOT_FOUND' });
            else if (!wanted(copy)) result.skipped.push({ id: slice[i], reason: 'NOT_REDRIVABLE' });
            else copies.push(copy);
          });
          await redriveAll(copies);
        }
        return result;
      }
      let cursor = input.cursor ?? null;
      let scanned = 0;
      do {
        const page = await store.list(queue, { status: input.status, limit: Math.min(REDRIVE_PAGE, input.maxMessages - result.redriven), cursor });
        scanned += page.items.length;
        await redriveAll(page.items.filter(wanted));
        cursor = page.nextCursor;
        await yieldToLoop();
      } while (cursor && result.redriven < input.maxMessages && scanned < REDRIVE_SCAN_LIMIT);
      result.nextCursor = cursor;
      result.done = cursor === null;
      return result;
    } finally {
      const bySource = new Map<string, number>();
      for (const item of result.items) bySource.set(item.source.queue, (bySource.get(item.source.queue) ?? 0) + 1);
      for (const [source, count] of bySource) this.events.emit({ type: 'redriven', queue, source, count });
      const outcomes = result.items.reduce<Record<string, number>>((counts, item) => ({ ...counts, [item.outcome]: (counts[item.outcome] ?? 0) + 1 }), {});
      this.audit.log(
        `redrive queue=${queue} source=${input.sourceQueue ?? 'ALL'} by=${JSON.stringify(principal.subject)} redriven=${result.redriven} ` +
          `requeued=${outcomes.requeued ?? 0} resent=${outcomes.resent ?? 0} discarded=${outcomes.discarded ?? 0} skipped=${result.skipped.length} done=${result.done}`,
      );
    }
  }

  private async redriveOne(
    dlq: QueueDefinition,
    store: MessageStore,
    copy: StoredMessage,
    principal: Principal,
    allowed: Map<string, Promise<boolean>>,
  ): Promise<Handled> {
    const origin = copy.deadLetter;
    if (!origin) return { skip: 'NOT_A_DEAD_LETTER' };
    const source = this.registry.get(origin.queue);
    if (!source) return { skip: 'SOURCE_QUEUE_NOT_FOUND' };
    let may = allowed.get(origin.queue);
    if (!may) allowed.set(origin.queue, (may = this.access.can(principal, 'queue.admin', { queue: source.definition })));
    if (!(await may)) return { skip: 'FORBIDDEN' };

    const handled = await this.enqueueAgain(dlq, source, copy, origin.id);
    if ('skip' in handled) return handled;
    await store.delete(dlq.name, copy.id);
    return handled;
  }

  /**
   * The failed original is requeued when it is still ERROR from the failure this dead letter was
   * made for; an original that has moved on since (requeued, redriven, completed, failed again
   * with a newer dead letter) is not enqueued again; a missing original is stored anew under a key
   * derived from the dead letter, so a repeated redrive of the same dead letter stores nothing more.
   */
  private async enqueueAgain(dlq: QueueDefinition, source: QueueEntry, copy: StoredMessage, originalId: string): Promise<Handled> {
    const sourceName = source.definition.name;
    const sourceStore = this.storage.forQueue(source.definition);
    const original = await sourceStore.get(sourceName, originalId);
    if (original) {
      if (original.status !== 'ERROR' || !deadLetterKeys(sourceName, original).includes(copy.idempotencyKey ?? ''))
        return { outcome: 'discarded', sourceId: original.id };
      try {
        await sourceStore.requeue(sourceName, original.id, this.clock.now());
        this.events.emit({ type: 'returned', queue: sourceName });
        return { outcome: 'requeued', sourceId: original.id };
      } catch (error) {
        if (error instanceof DomainError && error.code === 'MESSAGE_NOT_IN_ERROR') return { outcome: 'discarded', sourceId: original.id };
        throw error;
      }
    }
    let record;
    try {
      record = this.messages.prepare(source, copy.request, {
        sentBy: copy.sentBy,
        senderRoles: copy.senderRoles,
        storedKey: storedIdempotencyKey({ kind: 'redrive', queue: dlq.name, id: copy.id }),
        groupId: copy.groupId,
      });
    } catch (error) {
      if (error instanceof DomainError && (error.code === 'MESSAGE_SCHEMA_INVALID' || error.code === 'PAYLOAD_TOO_LARGE')) return { skip: error.code };
      throw error;
    }
    const [stored] = await this.messages.insertPrepared([record]);
    return { outcome: 'resent', sourceId: stored.message.id };
  }

  private async nothingLeft(store: MessageStore, queue: string, status: PurgeInput['status']): Promise<boolean> {
    const { counts } = await store.stats(queue);
    return status ? counts[status] === 0 : Object.values(counts).every((n) => n === 0);
  }
}

/** `work` on every item, at most `limit` at a time; results in the order of `items`. After a failure no new item is started. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
