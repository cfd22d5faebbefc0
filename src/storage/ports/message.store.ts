import type { MessageErrorInfo, MessageStatus, NewMessage, StoredMessage } from '@app/domain/message';

export interface InsertOutcome {
  message: StoredMessage;
  /** true when the idempotency key was already used in this queue: `message` is the first one */
  replayed: boolean;
}

export interface ListQuery {
  status?: MessageStatus;
  limit: number;
  /** opaque, produced by a previous page's nextCursor */
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ClaimRequest {
  max: number;
  now: number;
  leaseExpiresAt: number;
  /**
   * FIFO queues: a message with a group is claimed only if no message of its group is INPROGRESS
   * and every PENDING one before it (seq order) is claimed with it; at most `perGroup` of one
   * group per claim. A delayed message holds back the rest of its group. Messages without a group
   * are claimed as in a standard queue. Absent: the standard claim (groups ignored).
   */
  groups?: { perGroup: number };
  /**
   * The store may answer once the claimed messages and everything written before the lease are
   * durable, while the lease itself is still being written (the filesystem engine; SQL commits it
   * anyway). A crash in that window forgets the lease: the message is delivered again and this
   * delivery is not counted. Pull receives set it; handler claims do not (an attempt that started
   * counts, also across a crash).
   */
  deferLeaseDurability?: boolean;
}

/**
 * A transition of a leased message, applied only if `receipt` is still the message's
 * current receipt (compare-and-set); otherwise the store throws RECEIPT_STALE.
 */
export interface Settlement {
  status: MessageStatus;
  now: number;
  result?: unknown;
  error?: MessageErrorInfo | null;
  /** for PENDING: when it becomes deliverable again */
  availableAt?: number;
  /** for PENDING: move to the end of the queue (a fresh seq) instead of keeping its place */
  toEnd?: boolean;
  /** for PENDING: undo the attempt the delivery counted (return_to_queue is not a failure) */
  uncountAttempt?: boolean;
  /**
   * Settle only if the lease has not run out at this time (a consumer's ack): an expired lease is
   * RECEIPT_STALE even before the sweep has returned the message. Handlers' outcomes omit it.
   */
  leaseActiveAt?: number;
}

export interface QueueCounts {
  PENDING: number;
  INPROGRESS: number;
  COMPLETE: number;
  ERROR: number;
}

export interface QueueStatsSnapshot {
  counts: QueueCounts;
  /** createdAt of the oldest PENDING message, or null */
  oldestPendingCreatedAt: number | null;
}

export interface RetentionRule {
  /** delete COMPLETE messages updated before this time */
  processedBefore: number;
  /** delete every message created before this time */
  allBefore: number;
  limit: number;
}

export interface PurgeFilter {
  status?: MessageStatus;
  limit: number;
}

export type AvailabilityListener = (queue: string) => void;

/** Whether a store's backend answered its last use, and since when (epoch ms) that is so. */
export interface StorageAvailability {
  available: boolean;
  since: number;
}

/**
 * The message storage port. One instance serves many queues of one engine location
 * (a data directory, or one SQL connection string). Every write that resolves is durable.
 * Errors: DomainError RECEIPT_STALE / MESSAGE_NOT_FOUND for state conflicts,
 * DomainError STORAGE_UNAVAILABLE when the backend cannot be reached.
 */
export abstract class MessageStore {
  /** Stores all or none. A message whose idempotencyKey already exists in its queue is not stored again. */
  abstract insert(messages: NewMessage[]): Promise<InsertOutcome[]>;
  abstract get(queue: string, id: string): Promise<StoredMessage | null>;
  /** The message of the queue stored with this idempotency key, or null. */
  abstract findByIdempotencyKey(queue: string, key: string): Promise<StoredMessage | null>;
  /**
   * Forgets the idempotency key of a message (it stays stored), so the key can be used again:
   * a FIFO deduplication id whose window has passed. Does nothing if the message no longer has it.
   */
  abstract releaseIdempotencyKey(queue: string, id: string, key: string): Promise<void>;
  /** true if it existed */
  abstract delete(queue: string, id: string): Promise<boolean>;
  /** Ordered by seq ascending (delivery order). */
  abstract list(queue: string, query: ListQuery): Promise<Page<StoredMessage>>;
  /**
   * Leases up to `max` PENDING messages with availableAt <= now, lowest seq first, never one
   * leased by somebody else: each becomes INPROGRESS, attempts + 1, a fresh receipt, leaseExpiresAt.
   */
  abstract claim(queue: string, request: ClaimRequest): Promise<StoredMessage[]>;
  abstract settle(queue: string, id: string, receipt: string, settlement: Settlement): Promise<StoredMessage>;
  abstract extendLease(queue: string, id: string, receipt: string, leaseExpiresAt: number, now: number): Promise<StoredMessage>;
  /** INPROGRESS messages whose lease expired before `now`, oldest lease first. */
  abstract findExpiredLeases(queue: string, now: number, limit: number): Promise<StoredMessage[]>;
  /**
   * The same for several queues of this store, at most `limit` in all (the lease sweep of every
   * queue). One look per queue here; a store that can look at them all at once does.
   */
  async findExpiredLeasesIn(queues: string[], now: number, limit: number): Promise<StoredMessage[]> {
    const found: StoredMessage[] = [];
    for (const queue of queues) found.push(...(await this.findExpiredLeases(queue, now, limit)));
    return found.sort((a, b) => a.leaseExpiresAt! - b.leaseExpiresAt! || a.seq - b.seq).slice(0, limit);
  }
  /** ERROR → PENDING (attempts reset to 0); throws MESSAGE_NOT_IN_ERROR otherwise. */
  abstract requeue(queue: string, id: string, now: number): Promise<StoredMessage>;
  abstract stats(queue: string): Promise<QueueStatsSnapshot>;
  /** Deletes in bounded batches; returns how many were deleted. */
  abstract applyRetention(queue: string, rule: RetentionRule): Promise<number>;
  /** Deletes at most `limit` messages of the queue (only those in `status` if given), lowest seq first; returns how many. */
  abstract deleteMessages(queue: string, filter: PurgeFilter): Promise<number>;
  /** Deletes every message and key-value entry of the queue and releases what the store held for it (a deleted queue). */
  abstract purgeQueue(queue: string): Promise<void>;

  /** Per-queue key-value store for handlers (storageService). Values are JSON. */
  abstract kvGet(queue: string, key: string): Promise<unknown>;
  abstract kvSet(queue: string, key: string, value: unknown): Promise<void>;
  abstract kvDelete(queue: string, key: string): Promise<boolean>;
  abstract kvList(queue: string, prefix?: string): Promise<string[]>;

  /** Throws STORAGE_UNAVAILABLE when the backend does not answer. */
  abstract ping(): Promise<void>;
  abstract availability(): StorageAvailability;
  abstract close(): Promise<void>;

  private readonly listeners = new Set<AvailabilityListener>();

  /** Called when a message may have become available in a queue (local push, NOTIFY, ...). */
  onAvailable(listener: AvailabilityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected emitAvailable(queue: string): void {
    for (const listener of this.listeners) listener(queue);
  }
}
