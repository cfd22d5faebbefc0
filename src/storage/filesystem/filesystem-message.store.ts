import { randomUUID } from 'node:crypto';
import type { Clock } from '@app/common/clock';
import { decodeCursor, encodeCursor } from '@app/common/cursor';
import { DomainError } from '@app/common/domain-error';
import type { NewMessage, StoredMessage } from '@app/domain/message';
import {
  MessageStore,
  type ClaimRequest,
  type InsertOutcome,
  type ListQuery,
  type Page,
  type QueueStatsSnapshot,
  type RetentionRule,
  type Settlement,
  type StorageAvailability,
  type PurgeFilter,
} from '@app/storage/ports/message.store';
import type { Journal, WrittenCallback } from '@app/storage/filesystem/journal';
import { acquireDataDirLock } from '@app/storage/filesystem/lock-file';
import { PayloadRef } from '@app/storage/filesystem/payload-ref';
import { DEFAULT_INLINE_PAYLOAD_BYTES, DEFAULT_PAYLOAD_CACHE_BYTES, PayloadStore, type PayloadFootprint } from '@app/storage/filesystem/payload-store';
import type { Slot } from '@app/storage/filesystem/queue-state';
import type { JournalRecord } from '@app/storage/filesystem/journal-record';
import { QueueJournals, type QueueHandle } from '@app/storage/filesystem/queue-journals';
import { DEFAULT_COMPACTION_POLICY, JournalCompactor } from '@app/storage/filesystem/journal-compactor';

export interface FilesystemStoreOptions {
  /** a journal is compacted once it is at least this big ... */
  compactMinBytes?: number;
  /** ... and holds more than this many times the bytes of its live state */
  compactGarbageRatio?: number;
  /** bytes of recently written or read payloads kept in memory (all queues together) */
  payloadCacheBytes?: number;
  /** messages (and settle records) whose JSON is at most this long keep their payloads in memory */
  inlinePayloadBytes?: number;
}

/**
 * The filesystem engine: one append-only journal per queue under DATA_DIR/queues, replayed into
 * an in-memory index at start. Every write is applied in memory and appended to the journal in
 * the same synchronous step (so the journal order is the order of the changes), and its promise
 * resolves once the journal's group commit has fsynced it.
 */
export class FilesystemMessageStore extends MessageStore {
  private readonly journals: QueueJournals;
  private readonly compactor: JournalCompactor;
  private readonly payloads: PayloadStore;
  private releaseLock: (() => void) | null = null;
  private state: 'new' | 'open' | 'closed' = 'new';
  private stateSince: number;

  constructor(
    private readonly dataDir: string,
    private readonly clock: Clock,
    options: FilesystemStoreOptions = {},
  ) {
    super();
    this.stateSince = clock.now();
    this.payloads = new PayloadStore(options.payloadCacheBytes ?? DEFAULT_PAYLOAD_CACHE_BYTES, options.inlinePayloadBytes ?? DEFAULT_INLINE_PAYLOAD_BYTES);
    this.journals = new QueueJournals(dataDir, this.payloads);
    this.compactor = new JournalCompactor(this.payloads, {
      minBytes: options.compactMinBytes ?? DEFAULT_COMPACTION_POLICY.minBytes,
      garbageRatio: options.compactGarbageRatio ?? DEFAULT_COMPACTION_POLICY.garbageRatio,
    });
  }

  /** Takes the data directory lock and replays every queue journal. */
  async open(): Promise<void> {
    if (this.state !== 'new') return;
    this.releaseLock = acquireDataDirLock(this.dataDir);
    try {
      await this.journals.openAll();
      this.state = 'open';
      this.stateSince = this.clock.now();
    } catch (error) {
      await this.journals.closeAll();
      this.releaseLock();
      this.releaseLock = null;
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stateSince = this.clock.now();
    await this.journals.closeAll();
    this.payloads.clear();
    this.releaseLock?.();
    this.releaseLock = null;
  }

  async ping(): Promise<void> {
    if (this.state !== 'open') throw new DomainError('STORAGE_UNAVAILABLE', 'The filesystem store is not open');
    for (const handle of this.journals.all()) {
      if (handle.unavailable) throw new DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} cannot be written`);
    }
  }

  availability(): StorageAvailability {
    return { available: this.state === 'open', since: this.stateSince };
  }

  // ---- messages -------------------------------------------------------------------------

  async insert(messages: NewMessage[]): Promise<InsertOutcome[]> {
    if (messages.length === 0) return [];
    const groups = new Map<string, number[]>();
    messages.forEach((m, i) => {
      const list = groups.get(m.queue) ?? groups.set(m.queue, []).get(m.queue)!;
      list.push(i);
    });
    for (const queue of groups.keys()) await this.journals.writable(this.handle(queue));

    // from here on everything is synchronous until the appends: checks, then changes
    const journals = new Map<string, Journal>();
    for (const queue of groups.keys()) journals.set(queue, this.journals.journalOf(this.handle(queue)));
    for (const [queue, indexes] of groups) {
      const state = this.handle(queue).state;
      const ids = new Set<string>();
      for (const i of indexes) {
        const id = messages[i].id;
        if (state.slots.has(id) || ids.has(id)) throw new DomainError('VALIDATION_FAILED', `Message ${id} already exists in queue ${queue}`);
        ids.add(id);
      }
    }
    const outcomes = new Array<InsertOutcome>(messages.length);
    const writes: Promise<void>[] = [];
    const fresh = new Set<string>();
    for (const [queue, indexes] of groups) {
      const handle = this.handle(queue);
      const state = handle.state;
      const batchKeys = new Map<string, StoredMessage>();
      const stored: StoredMessage[] = [];
      const parts: string[] = [];
      /** refs of the messages kept out of memory, by index in `parts` */
      const held: Array<{ part: number; refs: PayloadRef[] }> = [];
      const replays: number[] = [];
      for (const i of indexes) {
        const input = messages[i];
        const key = input.idempotencyKey;
        if (key !== null) {
          const known = state.keys.get(key);
          if (known || batchKeys.has(key)) {
            replays.push(i);
            continue;
          }
        }
        const message: StoredMessage = {
          id: input.id,
          queue,
          status: 'PENDING',
          request: input.request ?? null,
          result: null,
          error: null,
          attempts: 0,
          sentBy: input.sentBy,
          senderRoles: input.senderRoles ?? null,
          createdAt: input.createdAt,
          updatedAt: input.createdAt,
          seq: state.nextSeq++,
          availableAt: input.availableAt,
          leaseExpiresAt: null,
          receipt: null,
          idempotencyKey: key,
          deadLetter: input.deadLetter ?? null,
          groupId: input.groupId ?? null,
          // only where there is one: every other journal record stays as it was
          ...(input.deduplicationId ? { deduplicationId: input.deduplicationId } : {}),
        };
        const json = JSON.stringify(message);
        outcomes[i] = { message: { ...message }, replayed: false };
        const refs = json.length > this.payloads.inlineBytes ? this.payloads.holdPayloads(message, json.length) : [];
        if (refs.length) held.push({ part: parts.length, refs });
        if (key !== null) batchKeys.set(key, message);
        stored.push(message);
        parts.push(json);
      }
      if (stored.length) {
        const { payload, onWritten } = this.payloads.batchRecord(parts, held);
        state.apply({ t: 'i', ms: stored }, payload.length);
        writes.push(this.append(handle, journals.get(queue)!, payload, onWritten));
        fresh.add(queue);
      } else {
        writes.push(this.journals.durable(handle, journals.get(queue)!));
      }
      for (const i of replays) {
        const key = messages[i].idempotencyKey!;
        const first = state.keys.get(key)!;
        const view = this.view(handle, first.msg);
        writes.push(view.then((message) => void (outcomes[i] = { message, replayed: true })));
      }
    }
    await Promise.all(writes);
    for (const queue of fresh) this.emitAvailable(queue);
    return outcomes;
  }

  async get(queue: string, id: string): Promise<StoredMessage | null> {
    const handle = this.readable(queue);
    const slot = handle?.state.slots.get(id);
    return slot ? this.durably(handle!, this.view(handle!, slot.msg)) : null;
  }

  async findByIdempotencyKey(queue: string, key: string): Promise<StoredMessage | null> {
    const handle = this.readable(queue);
    const slot = handle?.state.keys.get(key);
    return slot ? this.view(handle!, slot.msg) : null;
  }

  async releaseIdempotencyKey(queue: string, id: string, key: string): Promise<void> {
    const handle = this.readable(queue);
    if (handle?.state.slots.get(id)?.msg.idempotencyKey !== key) return;
    await this.commit(handle, { t: 'u', id, k: key });
  }

  async delete(queue: string, id: string): Promise<boolean> {
    const handle = this.readable(queue);
    if (!handle?.state.slots.has(id)) return false;
    await this.commit(handle, { t: 'd', ids: [id] });
    return true;
  }

  async list(queue: string, query: ListQuery): Promise<Page<StoredMessage>> {
    let after = 0;
    if (query.cursor) {
      const position = decodeCursor(query.cursor);
      if (!/^\d{1,16}$/.test(position)) throw new DomainError('INVALID_CURSOR', 'cursor is not valid');
      after = Number(position);
    }
    const limit = Math.max(1, Math.floor(query.limit));
    const handle = this.readable(queue);
    if (!handle) return { items: [], nextCursor: null };
    const slots = handle.state.page(after, query.status, limit + 1);
    const items = await this.durably(handle, Promise.all(slots.slice(0, limit).map((slot) => this.view(handle, slot.msg))));
    return { items, nextCursor: slots.length > limit ? encodeCursor(String(items[items.length - 1].seq)) : null };
  }

  async claim(queue: string, request: ClaimRequest): Promise<StoredMessage[]> {
    const handle = this.readable(queue);
    if (!handle || handle.state.counts.PENDING === 0 || request.max < 1) return [];
    const journal = this.journals.journalOf(handle);
    const slots = request.groups
      ? handle.state.nextDeliverableInGroups(request.max, request.now, request.groups.perGroup)
      : handle.state.nextDeliverable(request.max, request.now);
    if (slots.length === 0) return [];
    const record: JournalRecord = { t: 'c', now: request.now, le: request.leaseExpiresAt, ms: slots.map((s) => [s.msg.id, randomUUID()]) };
    handle.state.apply(record);
    const claimed = Promise.all(slots.map((slot) => this.view(handle, slot.msg)));
    claimed.catch(() => undefined);
    if (request.deferLeaseDurability) await this.journals.appendBehind(handle, journal, JSON.stringify(record));
    else await this.append(handle, journal, JSON.stringify(record));
    return claimed;
  }

  async settle(queue: string, id: string, receipt: string, settlement: Settlement): Promise<StoredMessage> {
    const handle = this.readable(queue);
    const slot = this.leased(handle, queue, id, receipt);
    const lease = slot.msg.leaseExpiresAt;
    if (settlement.leaseActiveAt !== undefined && lease !== null && lease <= settlement.leaseActiveAt) {
      throw new DomainError('RECEIPT_STALE', 'The lease of this message has expired');
    }
    const record: JournalRecord = { t: 's', id, st: settlement.status, now: settlement.now };
    if (settlement.result !== undefined) record.r = settlement.result;
    if (settlement.error !== undefined) record.e = settlement.error;
    if (settlement.status === 'PENDING') {
      record.av = settlement.availableAt ?? settlement.now;
      if (settlement.uncountAttempt) record.un = 1;
      if (settlement.toEnd) record.sq = handle!.state.nextSeq;
    }
    const settled = await this.commit(handle!, record, slot);
    if (settled.status === 'PENDING') this.emitAvailable(queue);
    return settled;
  }

  async extendLease(queue: string, id: string, receipt: string, leaseExpiresAt: number, now: number): Promise<StoredMessage> {
    const handle = this.readable(queue);
    const slot = this.leased(handle, queue, id, receipt);
    return this.commit(handle!, { t: 'x', id, le: leaseExpiresAt, now }, slot);
  }

  async findExpiredLeases(queue: string, now: number, limit: number): Promise<StoredMessage[]> {
    const handle = this.readable(queue);
    if (!handle || handle.state.counts.INPROGRESS === 0) return [];
    return Promise.all(handle.state.expiredLeases(now, limit).map((slot) => this.view(handle, slot.msg)));
  }

  async requeue(queue: string, id: string, now: number): Promise<StoredMessage> {
    const handle = this.readable(queue);
    const slot = handle?.state.slots.get(id);
    if (!handle || !slot) throw new DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
    if (slot.msg.status !== 'ERROR') throw new DomainError('MESSAGE_NOT_IN_ERROR', `Message ${id} is ${slot.msg.status}, not ERROR`);
    const requeued = await this.commit(handle, { t: 'q', id, now }, slot);
    this.emitAvailable(queue);
    return requeued;
  }

  async stats(queue: string): Promise<QueueStatsSnapshot> {
    const handle = this.readable(queue);
    if (!handle) return { counts: { PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 }, oldestPendingCreatedAt: null };
    return { counts: { ...handle.state.counts }, oldestPendingCreatedAt: handle.state.oldestPendingCreatedAt() };
  }

  async applyRetention(queue: string, rule: RetentionRule): Promise<number> {
    const handle = this.readable(queue);
    if (!handle || handle.state.size === 0) return 0;
    const ids = handle.state.retentionCandidates(rule.processedBefore, rule.allBefore, rule.limit);
    if (ids.length === 0) return 0;
    await this.commit(handle, { t: 'd', ids });
    return ids.length;
  }

  async deleteMessages(queue: string, filter: PurgeFilter): Promise<number> {
    const handle = this.readable(queue);
    if (!handle || handle.state.size === 0 || filter.limit < 1) return 0;
    const ids = handle.state.page(0, filter.status, Math.floor(filter.limit)).map((slot) => slot.msg.id);
    if (ids.length === 0) return 0;
    await this.commit(handle, { t: 'd', ids });
    return ids.length;
  }

  /**
   * Forgets a queue and releases what it held: its journal is closed and removed with
   * everything in it (messages, idempotency keys, key-value entries, payloads). Writes still
   * in flight on the old journal settle first; later calls start from an empty queue.
   */
  async purgeQueue(queue: string): Promise<void> {
    const handle = this.readable(queue);
    if (!handle) return;
    await this.journals.remove(handle);
  }

  // ---- key-value ------------------------------------------------------------------------

  async kvGet(queue: string, key: string): Promise<unknown> {
    const kv = this.readable(queue)?.state.kv;
    if (!kv?.has(key)) return undefined;
    return structuredClone(kv.get(key));
  }

  async kvSet(queue: string, key: string, value: unknown): Promise<void> {
    const handle = this.handle(queue);
    await this.journals.writable(handle);
    const journal = this.journals.journalOf(handle);
    const payload = JSON.stringify({ t: 'k', k: key, v: value ?? null });
    handle.state.apply(JSON.parse(payload) as JournalRecord);
    await this.append(handle, journal, payload);
  }

  async kvDelete(queue: string, key: string): Promise<boolean> {
    const handle = this.readable(queue);
    if (!handle?.state.kv.has(key)) return false;
    await this.commit(handle, { t: 'kd', k: key });
    return true;
  }

  async kvList(queue: string, prefix = ''): Promise<string[]> {
    const kv = this.readable(queue)?.state.kv;
    if (!kv) return [];
    return [...kv.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  // ---- compaction -----------------------------------------------------------------------

  /**
   * Rewrites a queue's journal with only its live state. Runs beside writers; resolves when the
   * new file has replaced the old one. Concurrent calls share one run.
   */
  async compact(queue: string): Promise<void> {
    const handle = this.readable(queue);
    if (handle) await this.compactor.compact(handle);
  }

  // ---- plumbing -------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.state !== 'open') throw new DomainError('STORAGE_UNAVAILABLE', `The filesystem store is ${this.state === 'closed' ? 'closed' : 'not open yet'}`);
  }

  private readable(queue: string): QueueHandle | undefined {
    this.assertOpen();
    return this.journals.get(queue);
  }

  private handle(queue: string): QueueHandle {
    this.assertOpen();
    return this.journals.getOrCreate(queue);
  }

  /** Applies one record now and resolves with the message (if any) once it is durable. */
  private async commit(handle: QueueHandle, record: JournalRecord, slot?: Slot): Promise<StoredMessage> {
    const journal = this.journals.journalOf(handle);
    const payload = JSON.stringify(record);
    const located = this.payloads.settleRecord(record, payload);
    handle.state.apply(located.record);
    const result = slot ? this.view(handle, slot.msg) : undefined;
    result?.catch(() => undefined);
    await this.append(handle, journal, payload, located.onWritten);
    return result as Promise<StoredMessage>;
  }

  /**
   * Records are applied to the index before they are durable (so concurrent claims see them at
   * once); a client's read (get, list) is answered only once what it read is on disk, so no answer
   * shows a state a crash could still undo (e.g. COMPLETE before the settlement is written).
   * Internal lookups (the idempotency-key lookup of FIFO deduplication and dead letters) answer no
   * client and do not wait.
   */
  private async durably<T>(handle: QueueHandle, read: Promise<T>): Promise<T> {
    read.catch(() => undefined);
    await this.journals.journalOf(handle).durable();
    return read;
  }

  private view(handle: QueueHandle, msg: StoredMessage, journal = handle.journal): Promise<StoredMessage> {
    return this.payloads.view(handle.name, journal, msg);
  }

  /** What the in-memory index of a queue holds of its messages' payloads (for tests and diagnostics). */
  payloadFootprint(queue: string): PayloadFootprint {
    const handle = this.readable(queue);
    return handle ? this.payloads.footprint(handle.state) : { messages: 0, refs: 0, unwritten: 0, inlineBytes: 0 };
  }

  /** Bytes of payloads held by the read cache. */
  get cachedPayloadBytes(): number {
    return this.payloads.cachedBytes;
  }

  private async append(handle: QueueHandle, journal: Journal, payload: string | Buffer, onWritten?: WrittenCallback): Promise<void> {
    await this.journals.append(handle, journal, payload, onWritten);
    if (this.state === 'open') this.compactor.maybeCompact(handle, journal);
  }

  private leased(handle: QueueHandle | undefined, queue: string, id: string, receipt: string): Slot {
    const slot = handle?.state.slots.get(id);
    if (!slot) throw new DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
    if (slot.msg.status !== 'INPROGRESS' || slot.msg.receipt !== receipt) {
      throw new DomainError('RECEIPT_STALE', 'The receipt is not the current lease of this message');
    }
    return slot;
  }
}
