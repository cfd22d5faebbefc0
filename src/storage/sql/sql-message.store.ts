import type { Clock } from '@app/common/clock';
import { decodeCursor, encodeCursor } from '@app/common/cursor';
import { DomainError } from '@app/common/domain-error';
import type { MessageStatus, NewMessage, StoredMessage } from '@app/domain/message';
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
import type { SqlClient } from '@app/storage/sql/sql-client';
import type { SqlDialect } from '@app/storage/sql/sql-dialect';
import { bySeq, json, leasedCopy, messageRow, notFound, num, parse, rowToMessage, stale, type Row } from '@app/storage/sql/sql-message-rows';
import type { Run, SettleChanges } from '@app/storage/sql/sql-statement';

const DUPLICATE_KEY = new Set(['23505', 'ER_DUP_ENTRY', '1062', '2627', '2601']);
/** queues named by one statement of the lease sweep (well under every dialect's limit on parameters) */
const SWEEP_QUEUES_PER_STATEMENT = 100;

function isDuplicateKey(error: unknown): boolean {
  let current = error as { code?: unknown; number?: unknown; errno?: unknown; driverError?: unknown } | undefined;
  for (let depth = 0; current && depth < 3; depth++) {
    if ([current.code, current.number, current.errno].some((c) => c !== undefined && DUPLICATE_KEY.has(String(c)))) return true;
    current = current.driverError as typeof current;
  }
  return false;
}

/**
 * MessageStore on one SQL database (TypeORM DataSource, raw parameterised statements on the
 * hot path). Claims skip rows locked by other replicas; the lease lives in
 * lease_expires_at + receipt, so no row lock is held while a message is being handled.
 *
 * This class is the store of a dialect whose UPDATE hands back the changed rows (RETURNING,
 * OUTPUT), as SQL Server's; the dialects that differ override its protected steps
 * (PostgresMessageStore, MysqlMessageStore).
 */
export class SqlMessageStore<D extends SqlDialect = SqlDialect> extends MessageStore {
  private lastSeq = 0;

  constructor(
    protected readonly db: SqlClient,
    protected readonly sql: D,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** Delivery order: time-based (microsecond slots) and strictly increasing within this process. */
  private nextSeq(): number {
    this.lastSeq = Math.max(this.lastSeq + 1, Math.floor(this.clock.now()) * 1000);
    return this.lastSeq;
  }

  /** A message may have become available: wake local waiters. */
  protected available(queue: string): void {
    this.emitAvailable(queue);
  }

  async insert(messages: NewMessage[]): Promise<InsertOutcome[]> {
    if (!messages.length) return [];
    // FIFO: a message stored after another of its queue (on any replica) gets a larger seq
    for (const queue of new Set(messages.filter((m) => m.groupId).map((m) => m.queue))) await this.seqAtEnd(queue);
    const records: StoredMessage[] = messages.map((m) => ({
      id: m.id,
      queue: m.queue,
      status: 'PENDING',
      request: m.request,
      result: null,
      error: null,
      attempts: 0,
      sentBy: m.sentBy,
      senderRoles: m.senderRoles ?? null,
      deduplicationId: m.deduplicationId ?? null,
      createdAt: m.createdAt,
      updatedAt: m.createdAt,
      seq: this.nextSeq(),
      availableAt: m.availableAt,
      leaseExpiresAt: null,
      receipt: null,
      idempotencyKey: m.idempotencyKey,
      deadLetter: m.deadLetter ?? null,
      groupId: m.groupId ?? null,
    }));
    const outcomes = records.some((r) => r.idempotencyKey !== null)
      ? await this.insertWithKeys(records)
      : await this.insertRows(records).then(() => records.map((message) => ({ message, replayed: false })));
    for (const queue of new Set(outcomes.filter((o) => !o.replayed).map((o) => o.message.queue))) this.available(queue);
    return outcomes;
  }

  /** Records without idempotency keys: all stored or none. */
  protected async insertRows(records: StoredMessage[]): Promise<void> {
    const size = this.sql.insertChunk;
    const chunks: StoredMessage[][] = [];
    for (let i = 0; i < records.length; i += size) chunks.push(records.slice(i, i + size));
    if (chunks.length === 1) {
      await this.db.query(this.sql.insert(chunks[0].map(messageRow), false));
      return;
    }
    await this.db.transaction(async (run) => {
      for (const chunk of chunks) await run(this.sql.insert(chunk.map(messageRow), false));
    });
  }

  /** All or none; a key already used in the queue (or earlier in the batch) answers the first message. */
  private async insertWithKeys(records: StoredMessage[]): Promise<InsertOutcome[]> {
    const firstByKey = new Map<string, number>();
    const duplicateOf = records.map((r, i) => {
      if (r.idempotencyKey === null) return -1;
      const key = `${r.queue}\u0000${r.idempotencyKey}`;
      const first = firstByKey.get(key);
      if (first !== undefined) return first;
      firstByKey.set(key, i);
      return -1;
    });
    const candidates = records.filter((_, i) => duplicateOf[i] === -1);
    for (let attempt = 0; ; attempt++) {
      try {
        const existing = await this.insertKeyed(candidates);
        return records.map((record, i) => {
          const first = duplicateOf[i] === -1 ? record : records[duplicateOf[i]];
          const stored = first.idempotencyKey === null ? undefined : existing.get(`${first.queue}\u0000${first.idempotencyKey}`);
          if (stored) return { message: stored, replayed: true };
          return { message: first, replayed: duplicateOf[i] !== -1 };
        });
      } catch (error) {
        if (attempt < 3 && isDuplicateKey(error)) continue;
        throw error;
      }
    }
  }

  /** Inserts the candidates whose key is new, atomically; returns the stored messages of the keys that were taken. */
  protected insertKeyed(candidates: StoredMessage[]): Promise<Map<string, StoredMessage>> {
    return this.db.transaction((run) => this.insertNew(run, candidates));
  }

  /** Looks the candidates' keys up, then inserts those whose key is new. */
  protected async insertNew(run: Run, candidates: StoredMessage[]): Promise<Map<string, StoredMessage>> {
    const existing = await this.storedByKey(run, candidates);
    const fresh = candidates.filter((r) => r.idempotencyKey === null || !existing.has(`${r.queue}\u0000${r.idempotencyKey}`));
    const size = this.sql.insertChunk;
    for (let i = 0; i < fresh.length; i += size) await run(this.sql.insert(fresh.slice(i, i + size).map(messageRow), false));
    return existing;
  }

  /** The stored messages holding the candidates' keys, by queue and key. */
  protected async storedByKey(run: Run, candidates: StoredMessage[]): Promise<Map<string, StoredMessage>> {
    const existing = new Map<string, StoredMessage>();
    const keysByQueue = new Map<string, string[]>();
    for (const r of candidates) {
      if (r.idempotencyKey !== null) keysByQueue.set(r.queue, [...(keysByQueue.get(r.queue) ?? []), r.idempotencyKey]);
    }
    for (const [queue, keys] of keysByQueue) {
      const { records } = await run(this.sql.selectByKeys(queue, keys));
      for (const row of records) existing.set(`${queue}\u0000${String(row.idempotency_key)}`, rowToMessage(row));
    }
    return existing;
  }

  async get(queue: string, id: string): Promise<StoredMessage | null> {
    const { records } = await this.db.query(this.sql.selectOne(queue, id));
    return records.length ? rowToMessage(records[0]) : null;
  }

  async findByIdempotencyKey(queue: string, key: string): Promise<StoredMessage | null> {
    const { records } = await this.db.query(this.sql.selectByKeys(queue, [key]));
    return records.length ? rowToMessage(records[0]) : null;
  }

  async releaseIdempotencyKey(queue: string, id: string, key: string): Promise<void> {
    await this.db.query(this.sql.releaseKey(queue, id, key));
  }

  async delete(queue: string, id: string): Promise<boolean> {
    const { affected } = await this.db.query(this.sql.deleteOne(queue, id));
    return affected > 0;
  }

  async list(queue: string, query: ListQuery): Promise<Page<StoredMessage>> {
    let after: { seq: number; id: string } | null = null;
    if (query.cursor) {
      const match = /^(-?\d{1,19}):(.{1,64})$/s.exec(decodeCursor(query.cursor));
      if (!match) throw new DomainError('INVALID_CURSOR', 'cursor is not valid');
      after = { seq: Number(match[1]), id: match[2] };
    }
    const limit = Math.max(1, query.limit);
    const { records } = await this.db.query(this.sql.list(queue, query.status ?? null, after, limit));
    const items = records.slice(0, limit).map(rowToMessage);
    const last = items[items.length - 1];
    return { items, nextCursor: records.length > limit && last ? encodeCursor(`${last.seq}:${last.id}`) : null };
  }

  async claim(queue: string, request: ClaimRequest): Promise<StoredMessage[]> {
    if (request.max < 1) return [];
    if (request.groups) return this.claimInGroups(queue, request, request.groups.perGroup);
    return this.claimBatch(queue, request);
  }

  /** The plain claim: one statement picks the batch, skipping rows locked by others, and leases it. */
  protected async claimBatch(queue: string, request: ClaimRequest): Promise<StoredMessage[]> {
    const { records } = await this.db.query(this.sql.claim(queue, request.now, request.leaseExpiresAt, request.max));
    return records.map(rowToMessage).sort(bySeq);
  }

  /**
   * The FIFO claim: one transaction holding the queue's row of mailroom_fifo_locks, so claims of
   * one FIFO queue (on every replica) take turns and each sees what the one before it leased.
   * Settlements, pushes and lease expiry need no lock: they only ever free a group or add to it.
   */
  private async claimInGroups(queue: string, request: ClaimRequest, perGroup: number): Promise<StoredMessage[]> {
    const sql = this.sql;
    const claimed = await this.db.transaction(async (run) => {
      if (!(await run(sql.fifoLock(queue))).records.length) {
        await run(sql.fifoLockRow(queue));
        await run(sql.fifoLock(queue));
      }
      const { records } = await run(sql.claimGroups(queue, request.now, request.max, Math.max(1, perGroup)));
      if (!records.length) return [];
      const chosen = records.map((row) => leasedCopy(rowToMessage(row), request));
      const { affected } = await run(sql.leaseChosen(queue, chosen, request.now, request.leaseExpiresAt));
      if (affected === chosen.length) return chosen;
      const leased: StoredMessage[] = [];
      for (const m of chosen) {
        const { records: now } = await run(sql.selectOne(queue, m.id));
        if (now.length && String(now[0].receipt) === m.receipt) leased.push(m);
      }
      return leased;
    });
    return claimed.sort(bySeq);
  }

  async settle(queue: string, id: string, receipt: string, settlement: Settlement): Promise<StoredMessage> {
    const pending = settlement.status === 'PENDING';
    const change: SettleChanges = { status: settlement.status, updatedAt: settlement.now };
    if (settlement.leaseActiveAt !== undefined) change.leaseActiveAt = settlement.leaseActiveAt;
    if (settlement.result !== undefined) change.result = json(settlement.result);
    if (settlement.error !== undefined) change.error = json(settlement.error);
    if (pending) {
      change.availableAt = settlement.availableAt ?? settlement.now;
      if (settlement.toEnd) change.seq = await this.seqAtEnd(queue);
      change.uncountAttempt = settlement.uncountAttempt === true;
    }
    const settled = await this.writeSettlement(queue, id, receipt, settlement, change);
    if (pending) this.available(queue);
    return settled;
  }

  /** Writes a settlement, a compare-and-set on the receipt: the message as it now is, or RECEIPT_STALE / MESSAGE_NOT_FOUND. */
  protected async writeSettlement(queue: string, id: string, receipt: string, _settlement: Settlement, change: SettleChanges): Promise<StoredMessage> {
    const row = await this.settledRow(queue, id, receipt, change);
    if (row) return rowToMessage(row);
    throw (await this.get(queue, id)) ? stale() : notFound(queue, id);
  }

  /** The settled row as the UPDATE handed it back, null if the compare-and-set did not match. */
  protected async settledRow(queue: string, id: string, receipt: string, change: SettleChanges): Promise<Row | null> {
    return (await this.db.query(this.sql.settle(queue, id, receipt, change))).records[0] ?? null;
  }

  protected async seqAtEnd(queue: string): Promise<number> {
    const { records } = await this.db.query(this.sql.maxSeq(queue));
    const max = records[0]?.seq;
    const local = this.nextSeq();
    if (max === null || max === undefined) return local;
    this.lastSeq = Math.max(local, num(max) + 1);
    return this.lastSeq;
  }

  async extendLease(queue: string, id: string, receipt: string, leaseExpiresAt: number, now: number): Promise<StoredMessage> {
    const { records } = await this.db.query(this.sql.extendLease(queue, id, receipt, leaseExpiresAt, now));
    if (records.length) return rowToMessage(records[0]);
    throw (await this.get(queue, id)) ? stale() : notFound(queue, id);
  }

  async findExpiredLeases(queue: string, now: number, limit: number): Promise<StoredMessage[]> {
    const { records } = await this.db.query(this.sql.findExpiredLeases(queue, now, limit));
    return records.map(rowToMessage);
  }

  /** One statement per SWEEP_QUEUES_PER_STATEMENT queues, not one per queue. */
  override async findExpiredLeasesIn(queues: string[], now: number, limit: number): Promise<StoredMessage[]> {
    const found: StoredMessage[] = [];
    for (let i = 0; i < queues.length && found.length < limit; i += SWEEP_QUEUES_PER_STATEMENT) {
      const { records } = await this.db.query(this.sql.findExpiredLeasesIn(queues.slice(i, i + SWEEP_QUEUES_PER_STATEMENT), now, limit - found.length));
      found.push(...records.map(rowToMessage));
    }
    return found;
  }

  async requeue(queue: string, id: string, now: number): Promise<StoredMessage> {
    const requeued = await this.requeued(queue, id, now);
    if (!requeued) {
      if (!(await this.get(queue, id))) throw notFound(queue, id);
      throw new DomainError('MESSAGE_NOT_IN_ERROR', `Message ${id} is not in status ERROR`);
    }
    this.available(queue);
    return requeued;
  }

  /** Puts an ERROR message back to PENDING: the message as it now is, or null if it is not in ERROR (or gone). */
  protected async requeued(queue: string, id: string, now: number): Promise<StoredMessage | null> {
    const { records } = await this.db.query(this.sql.requeue(queue, id, now));
    return records.length ? rowToMessage(records[0]) : null;
  }

  async stats(queue: string): Promise<QueueStatsSnapshot> {
    const { records } = await this.db.query(this.sql.stats(queue));
    const counts = { PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 };
    let oldestPendingCreatedAt: number | null = null;
    for (const row of records) {
      const status = String(row.status) as MessageStatus;
      if (status in counts) counts[status] = num(row.n);
      if (status === 'PENDING' && row.oldest !== null) oldestPendingCreatedAt = num(row.oldest);
    }
    return { counts, oldestPendingCreatedAt };
  }

  async applyRetention(queue: string, rule: RetentionRule): Promise<number> {
    if (rule.limit < 1) return 0;
    const { affected } = await this.db.query(this.sql.retention(queue, rule.processedBefore, rule.allBefore, rule.limit));
    return affected;
  }

  async deleteMessages(queue: string, filter: PurgeFilter): Promise<number> {
    if (filter.limit < 1) return 0;
    const { affected } = await this.db.query(this.sql.deleteSome(queue, filter.status ?? null, filter.limit));
    return affected;
  }

  async purgeQueue(queue: string): Promise<void> {
    await this.db.transaction(async (run) => {
      await run(this.sql.purgeMessages(queue));
      await run(this.sql.purgeKv(queue));
      await run(this.sql.purgeFifoLock(queue));
    });
  }

  async kvGet(queue: string, key: string): Promise<unknown> {
    const { records } = await this.db.query(this.sql.kvGet(queue, key));
    return records.length ? parse(records[0].kv_value) : undefined;
  }

  async kvSet(queue: string, key: string, value: unknown): Promise<void> {
    await this.db.query(this.sql.kvSet(queue, key, JSON.stringify(value ?? null)));
  }

  async kvDelete(queue: string, key: string): Promise<boolean> {
    const { affected } = await this.db.query(this.sql.kvDelete(queue, key));
    return affected > 0;
  }

  async kvList(queue: string, prefix?: string): Promise<string[]> {
    const { records } = await this.db.query(this.sql.kvList(queue, prefix));
    return records.map((row) => String(row.kv_key));
  }

  async ping(): Promise<void> {
    await this.db.ping();
  }

  availability(): StorageAvailability {
    return this.db.availability();
  }

  /** The connection pool belongs to SqlConnections, which closes it. */
  async close(): Promise<void> {}
}
