import { randomUUID } from 'node:crypto';
import type { Clock } from '@app/common/clock';
import { decodeCursor, encodeCursor } from '@app/common/cursor';
import { DomainError } from '@app/common/domain-error';
import type { MessageStatus, NewMessage, StoredMessage } from '@app/domain/message';
import {
  MessageStore,
  type AvailabilityListener,
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
import type { SqlDatabase, Run } from '@app/storage/sql/sql-database';
import { MESSAGE_COLUMNS, MESSAGES_TABLE, type SettleChanges, type SettleItem, type SqlScalar } from '@app/storage/sql/sql-dialect';
import { AVAILABLE_CHANNEL, PgListener } from '@app/storage/sql/postgres/pg-listener';
import { Coalescer } from '@app/storage/sql/postgres/coalescer';

type Row = Record<string, unknown>;

/** At most one NOTIFY per queue in this window; later events in it are merged into one trailing NOTIFY. */
const NOTIFY_WINDOW_MS = 25;
/** Inserts of at most this many messages (a push, a small batch) share statements with concurrent ones (postgres). */
const COALESCED_INSERT_MAX = 100;
/** Callers in one combined claim (postgres); each gets up to its own max, so none is shortchanged. */
const COALESCED_CLAIM_CALLS = 10;
/** Claim coalescers kept (one per queue and lease length); idle ones are dropped past this. */
const CLAIM_COALESCERS = 256;

interface ClaimCall {
  max: number;
  now: number;
}

const bySeq = (a: StoredMessage, b: StoredMessage) => a.seq - b.seq || (a.id < b.id ? -1 : 1);
const DUPLICATE_KEY = new Set(['23505', 'ER_DUP_ENTRY', '1062', '2627', '2601']);

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function parse<T>(value: unknown): T | null {
  return value === null || value === undefined ? null : (JSON.parse(String(value)) as T);
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function rowToMessage(row: Row): StoredMessage {
  return {
    id: String(row.id),
    queue: String(row.queue),
    status: row.status as MessageStatus,
    request: parse(row.request),
    result: parse(row.result),
    error: parse(row.error),
    attempts: num(row.attempts),
    sentBy: (row.sent_by as string | null) ?? null,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    seq: num(row.seq),
    availableAt: num(row.available_at),
    leaseExpiresAt: row.lease_expires_at === null || row.lease_expires_at === undefined ? null : num(row.lease_expires_at),
    receipt: (row.receipt as string | null) ?? null,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    deadLetter: parse(row.dead_letter),
    groupId: (row.group_id as string | null | undefined) ?? null,
    senderRoles: parse(row.sender_roles),
  };
}

function messageRow(m: StoredMessage): SqlScalar[] {
  const values: Record<(typeof MESSAGE_COLUMNS)[number], SqlScalar> = {
    queue: m.queue,
    id: m.id,
    seq: m.seq,
    status: m.status,
    request: JSON.stringify(m.request ?? null),
    result: json(m.result),
    error: json(m.error),
    dead_letter: json(m.deadLetter),
    attempts: m.attempts,
    sent_by: m.sentBy,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    available_at: m.availableAt,
    lease_expires_at: m.leaseExpiresAt,
    receipt: m.receipt,
    idempotency_key: m.idempotencyKey,
    group_id: m.groupId,
    sender_roles: json(m.senderRoles),
  };
  return MESSAGE_COLUMNS.map((c) => values[c]);
}

function isDuplicateKey(error: unknown): boolean {
  let current = error as { code?: unknown; number?: unknown; errno?: unknown; driverError?: unknown } | undefined;
  for (let depth = 0; current && depth < 3; depth++) {
    if ([current.code, current.number, current.errno].some((c) => c !== undefined && DUPLICATE_KEY.has(String(c)))) return true;
    current = current.driverError as typeof current;
  }
  return false;
}

const stale = () => new DomainError('RECEIPT_STALE', 'The receipt is not the current lease of this message');
const notFound = (queue: string, id: string) => new DomainError('MESSAGE_NOT_FOUND', `Message ${id} not found in queue ${queue}`);

/** A claimed message as the lease about to be written leaves it (a fresh receipt, one more attempt). */
function leasedCopy(m: StoredMessage, request: ClaimRequest): StoredMessage & { receipt: string } {
  return { ...m, status: 'INPROGRESS', attempts: m.attempts + 1, receipt: randomUUID(), leaseExpiresAt: request.leaseExpiresAt, updatedAt: request.now };
}

/**
 * MessageStore on one SQL database (TypeORM DataSource, raw parameterised statements on the
 * hot path). Claims skip rows locked by other replicas; the lease lives in
 * lease_expires_at + receipt, so no row lock is held while a message is being handled.
 */
export class SqlMessageStore extends MessageStore {
  private lastSeq = 0;
  private listener: PgListener | null = null;
  private readonly knownQueues = new Set<string>();
  /** queue → a NOTIFY went out in the current window ('sent') and another is due at its end ('due') */
  private readonly notifying = new Map<string, 'sent' | 'due'>();
  private closed = false;
  /** postgres: concurrent small inserts without idempotency keys go out as one INSERT (one commit) */
  private readonly inserts = new Coalescer<StoredMessage[], { error?: unknown }>((calls) => this.insertTogether(calls), { maxBatch: 100, maxInFlight: 2 });

  /**
   * postgres: settlements made at the same time go out as one statement, each still a
   * compare-and-set on its own receipt; two of one message never share a statement, so the
   * later sees the earlier one's outcome. One statement in flight: bigger groups beat more
   * statements on 2 cores (dispatch of 20,000 at concurrency 10 and 64).
   */
  private readonly settles = new Coalescer<SettleItem, Row | null>((items) => this.settleTogether(items), {
    maxBatch: 100,
    maxInFlight: 1,
    key: (item) => `${item.queue}\u0000${item.id}`,
  });
  /** postgres: claims of one queue and lease length made at the same time share one statement */
  private readonly claims = new Map<string, Coalescer<ClaimCall, StoredMessage[]>>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** Delivery order: time-based (microsecond slots) and strictly increasing within this process. */
  private nextSeq(): number {
    this.lastSeq = Math.max(this.lastSeq + 1, Math.floor(this.clock.now()) * 1000);
    return this.lastSeq;
  }

  override onAvailable(listener: AvailabilityListener): () => void {
    if (this.db.text.isPostgres && !this.listener && !this.closed) {
      this.listener = new PgListener(
        this.db.target,
        (queue) => this.emitAvailable(queue),
        () => this.knownQueues.forEach((queue) => this.emitAvailable(queue)),
        (error) => this.db.reason(error),
      );
      this.listener.start();
    }
    return super.onAvailable(listener);
  }

  /** A message may have become available: wake local waiters now, and other replicas (postgres NOTIFY). */
  private available(queue: string): void {
    this.knownQueues.add(queue);
    this.emitAvailable(queue);
    if (this.db.text.isPostgres) this.notifyOthers(queue);
  }

  /**
   * NOTIFY outside the writing transaction, coalesced per queue: a committing NOTIFY holds a
   * database-wide lock through its WAL flush, so notifying from every push would serialise
   * all pushes. Fire-and-forget: polling remains the backstop if one is lost.
   */
  private notifyOthers(queue: string): void {
    const state = this.notifying.get(queue);
    if (state) {
      this.notifying.set(queue, 'due');
      return;
    }
    this.notifying.set(queue, 'sent');
    this.db.query({ sql: `SELECT pg_notify('${AVAILABLE_CHANNEL}', current_schema() || '.' || $1)`, params: [queue] }).catch(() => undefined);
    setTimeout(() => {
      const due = this.notifying.get(queue) === 'due';
      this.notifying.delete(queue);
      if (due && !this.closed) this.notifyOthers(queue);
    }, NOTIFY_WINDOW_MS).unref();
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

  private async insertRows(records: StoredMessage[]): Promise<void> {
    if (this.db.text.isPostgres && records.length <= COALESCED_INSERT_MAX) {
      const { error } = await this.inserts.submit(records);
      // the coalescer hands back the value the batch insert threw, unchanged
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (error) throw error;
      return;
    }
    const size = this.db.text.insertChunk;
    const chunks: StoredMessage[][] = [];
    for (let i = 0; i < records.length; i += size) chunks.push(records.slice(i, i + size));
    if (chunks.length === 1) {
      await this.db.query(this.db.text.insert(chunks[0].map(messageRow), false));
      return;
    }
    await this.db.transaction(async (run) => {
      for (const chunk of chunks) await run(this.db.text.insert(chunk.map(messageRow), false));
    });
  }

  /**
   * One statement for the records of several calls: each call's records are all stored or none,
   * as alone. If the statement fails for a reason other than the database being unavailable,
   * each call is tried on its own, so one call's bad record cannot fail the others.
   */
  private async insertTogether(calls: StoredMessage[][]): Promise<Array<{ error?: unknown }>> {
    const alone = (records: StoredMessage[]) =>
      this.db.query(this.db.text.insert(records.map(messageRow), false)).then(
        () => ({}),
        (error: unknown) => ({ error }),
      );
    if (calls.length === 1) return [await alone(calls[0])];
    try {
      await this.db.query(this.db.text.insert(calls.flat().map(messageRow), false));
      return calls.map(() => ({}));
    } catch (error) {
      if (error instanceof DomainError && error.code === 'STORAGE_UNAVAILABLE') return calls.map(() => ({ error }));
      return Promise.all(calls.map(alone));
    }
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
    // on postgres one INSERT ... ON CONFLICT is atomic by itself: no transaction round trips
    const single = this.db.text.isPostgres && candidates.length <= this.db.text.insertChunk;
    for (let attempt = 0; ; attempt++) {
      try {
        const existing = single
          ? await this.insertNew((statement) => this.db.query(statement), candidates)
          : await this.db.transaction((run) => this.insertNew(run, candidates));
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

  /** Inserts the records whose key is new; returns the stored messages of the keys that were taken. */
  private async insertNew(run: Run, candidates: StoredMessage[]): Promise<Map<string, StoredMessage>> {
    const text = this.db.text;
    const existing = new Map<string, StoredMessage>();
    const keysByQueue = new Map<string, string[]>();
    for (const r of candidates) {
      if (r.idempotencyKey !== null) keysByQueue.set(r.queue, [...(keysByQueue.get(r.queue) ?? []), r.idempotencyKey]);
    }
    const lookup = async () => {
      for (const [queue, keys] of keysByQueue) {
        const { records } = await run(text.selectByKeys(queue, keys));
        for (const row of records) existing.set(`${queue}\u0000${String(row.idempotency_key)}`, rowToMessage(row));
      }
    };
    if (text.isPostgres) {
      const inserted = new Set<string>();
      for (let i = 0; i < candidates.length; i += text.insertChunk) {
        const { records } = await run(text.insert(candidates.slice(i, i + text.insertChunk).map(messageRow), true));
        for (const row of records) inserted.add(String(row.id));
      }
      if (inserted.size < candidates.length) await lookup();
      for (const [key, message] of existing) if (inserted.has(message.id)) existing.delete(key);
      return existing;
    }
    await lookup();
    const fresh = candidates.filter((r) => r.idempotencyKey === null || !existing.has(`${r.queue}\u0000${r.idempotencyKey}`));
    for (let i = 0; i < fresh.length; i += text.insertChunk) await run(text.insert(fresh.slice(i, i + text.insertChunk).map(messageRow), false));
    return existing;
  }

  async get(queue: string, id: string): Promise<StoredMessage | null> {
    const { records } = await this.db.query(this.db.text.selectOne(queue, id));
    return records.length ? rowToMessage(records[0]) : null;
  }

  async findByIdempotencyKey(queue: string, key: string): Promise<StoredMessage | null> {
    const { records } = await this.db.query(this.db.text.selectByKeys(queue, [key]));
    return records.length ? rowToMessage(records[0]) : null;
  }

  async releaseIdempotencyKey(queue: string, id: string, key: string): Promise<void> {
    const t = this.db.text;
    await this.db.query({
      sql: `UPDATE ${MESSAGES_TABLE} SET idempotency_key = NULL WHERE queue = ${t.p(0)} AND id = ${t.p(1)} AND idempotency_key = ${t.p(2)}`,
      params: [queue, id, key],
    });
  }

  async delete(queue: string, id: string): Promise<boolean> {
    const { affected } = await this.db.query(this.db.text.deleteOne(queue, id));
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
    const { records } = await this.db.query(this.db.text.list(queue, query.status ?? null, after, limit));
    const items = records.slice(0, limit).map(rowToMessage);
    const last = items[items.length - 1];
    return { items, nextCursor: records.length > limit && last ? encodeCursor(`${last.seq}:${last.id}`) : null };
  }

  async claim(queue: string, request: ClaimRequest): Promise<StoredMessage[]> {
    this.knownQueues.add(queue);
    if (request.max < 1) return [];
    if (request.groups) return this.claimInGroups(queue, request, request.groups.perGroup);
    const text = this.db.text;
    if (text.isPostgres) return this.claimCoalescer(queue, request.leaseExpiresAt - request.now).submit({ max: request.max, now: request.now });
    const statement = text.claim(queue, request.now, request.leaseExpiresAt, request.max);
    if (text.updateReturnsRows) {
      const { records } = await this.db.query(statement);
      return records.map(rowToMessage).sort(bySeq);
    }
    return this.db.transaction(async (run) => {
      const { records } = await run(statement);
      if (!records.length) return [];
      const claimed = records.map((row) => leasedCopy(rowToMessage(row), request));
      await run(text.leaseClaimed(queue, claimed, request.now, request.leaseExpiresAt));
      return claimed;
    });
  }

  /**
   * The FIFO claim: one transaction holding the queue's row of mailroom_fifo_locks, so claims of
   * one FIFO queue (on every replica) take turns and each sees what the one before it leased.
   * Settlements, pushes and lease expiry need no lock: they only ever free a group or add to it.
   */
  private async claimInGroups(queue: string, request: ClaimRequest, perGroup: number): Promise<StoredMessage[]> {
    const text = this.db.text;
    const claimed = await this.db.transaction(async (run) => {
      if (!(await run(text.fifoLock(queue))).records.length) {
        await run(text.fifoLockRow(queue));
        await run(text.fifoLock(queue));
      }
      const { records } = await run(text.claimGroups(queue, request.now, request.max, Math.max(1, perGroup)));
      if (!records.length) return [];
      const chosen = records.map((row) => leasedCopy(rowToMessage(row), request));
      const { affected } = await run(text.leaseChosen(queue, chosen, request.now, request.leaseExpiresAt));
      if (affected === chosen.length) return chosen;
      const leased: StoredMessage[] = [];
      for (const m of chosen) {
        const { records: now } = await run(text.selectOne(queue, m.id));
        if (now.length && String(now[0].receipt) === m.receipt) leased.push(m);
      }
      return leased;
    });
    return claimed.sort(bySeq);
  }

  private async settleTogether(items: SettleItem[]): Promise<Array<Row | null>> {
    const { records } = await this.db.query(this.db.text.settleMany(items));
    const settled = new Map<string, Row>();
    for (const row of records) settled.set(`${String(row.queue)}\u0000${String(row.id)}`, row);
    return items.map((item) => settled.get(`${item.queue}\u0000${item.id}`) ?? null);
  }

  private claimCoalescer(queue: string, leaseMs: number): Coalescer<ClaimCall, StoredMessage[]> {
    const key = `${queue}\u0000${leaseMs}`;
    let coalescer = this.claims.get(key);
    if (!coalescer) {
      if (this.claims.size >= CLAIM_COALESCERS) this.claims.clear();
      coalescer = new Coalescer((calls) => this.claimTogether(queue, leaseMs, calls), { maxBatch: COALESCED_CLAIM_CALLS, maxInFlight: 2 });
      this.claims.set(key, coalescer);
    }
    return coalescer;
  }

  /**
   * One claim statement for several callers: the batch is leased at the latest caller's time
   * and handed out in delivery order, each caller getting at most its `max`.
   */
  private async claimTogether(queue: string, leaseMs: number, calls: ClaimCall[]): Promise<StoredMessage[][]> {
    const now = Math.max(...calls.map((c) => c.now));
    const total = calls.reduce((sum, c) => sum + c.max, 0);
    const { records } = await this.db.query(this.db.text.claim(queue, now, now + leaseMs, total));
    const claimed = records.map(rowToMessage).sort(bySeq);
    let next = 0;
    return calls.map((call) => {
      const share = claimed.slice(next, next + call.max);
      next += call.max;
      return share;
    });
  }

  async settle(queue: string, id: string, receipt: string, settlement: Settlement): Promise<StoredMessage> {
    const text = this.db.text;
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
    if (text.updateReturnsRows) {
      const row = text.isPostgres
        ? await this.settles.submit({ queue, id, receipt, change })
        : ((await this.db.query(text.settle(queue, id, receipt, change))).records[0] ?? null);
      if (row) {
        if (pending) this.available(queue);
        return rowToMessage(row);
      }
      throw (await this.get(queue, id)) ? stale() : notFound(queue, id);
    }
    const current = await this.get(queue, id);
    if (!current) throw notFound(queue, id);
    if (current.status !== 'INPROGRESS' || current.receipt !== receipt) throw stale();
    if (settlement.leaseActiveAt !== undefined && current.leaseExpiresAt !== null && current.leaseExpiresAt <= settlement.leaseActiveAt) throw stale();
    const { affected } = await this.db.query(text.settle(queue, id, receipt, change));
    if (affected === 0) throw (await this.get(queue, id)) ? stale() : notFound(queue, id);
    if (pending) this.available(queue);
    return {
      ...current,
      status: settlement.status,
      updatedAt: settlement.now,
      leaseExpiresAt: null,
      receipt: null,
      result: settlement.result !== undefined ? parse<unknown>(change.result) : current.result,
      error: settlement.error !== undefined ? parse<NonNullable<StoredMessage['error']>>(change.error) : current.error,
      availableAt: change.availableAt ?? current.availableAt,
      seq: change.seq ?? current.seq,
      attempts: change.uncountAttempt ? Math.max(0, current.attempts - 1) : current.attempts,
    };
  }

  private async seqAtEnd(queue: string): Promise<number> {
    const { records } = await this.db.query(this.db.text.maxSeq(queue));
    const max = records[0]?.seq;
    const local = this.nextSeq();
    if (max === null || max === undefined) return local;
    this.lastSeq = Math.max(local, num(max) + 1);
    return this.lastSeq;
  }

  async extendLease(queue: string, id: string, receipt: string, leaseExpiresAt: number, now: number): Promise<StoredMessage> {
    const text = this.db.text;
    const statement = text.extendLease(queue, id, receipt, leaseExpiresAt, now);
    if (text.updateReturnsRows) {
      const { records } = await this.db.query(statement);
      if (records.length) return rowToMessage(records[0]);
      throw (await this.get(queue, id)) ? stale() : notFound(queue, id);
    }
    const { affected } = await this.db.query(statement);
    const current = await this.get(queue, id);
    if (!current) throw notFound(queue, id);
    if (affected === 0 || current.receipt !== receipt) throw stale();
    return current;
  }

  async findExpiredLeases(queue: string, now: number, limit: number): Promise<StoredMessage[]> {
    const { records } = await this.db.query(this.db.text.findExpiredLeases(queue, now, limit));
    return records.map(rowToMessage);
  }

  async requeue(queue: string, id: string, now: number): Promise<StoredMessage> {
    const text = this.db.text;
    const statement = text.requeue(queue, id, now);
    let requeued: StoredMessage | null = null;
    if (text.updateReturnsRows) {
      const { records } = await this.db.query(statement);
      requeued = records.length ? rowToMessage(records[0]) : null;
    } else {
      const { affected } = await this.db.query(statement);
      if (affected > 0) requeued = await this.get(queue, id);
    }
    if (!requeued) {
      if (!(await this.get(queue, id))) throw notFound(queue, id);
      throw new DomainError('MESSAGE_NOT_IN_ERROR', `Message ${id} is not in status ERROR`);
    }
    this.available(queue);
    return requeued;
  }

  async stats(queue: string): Promise<QueueStatsSnapshot> {
    const { records } = await this.db.query(this.db.text.stats(queue));
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
    const { affected } = await this.db.query(this.db.text.retention(queue, rule.processedBefore, rule.allBefore, rule.limit));
    return affected;
  }

  async deleteMessages(queue: string, filter: PurgeFilter): Promise<number> {
    if (filter.limit < 1) return 0;
    const { affected } = await this.db.query(this.db.text.deleteSome(queue, filter.status ?? null, filter.limit));
    return affected;
  }

  async purgeQueue(queue: string): Promise<void> {
    await this.db.transaction(async (run) => {
      await run(this.db.text.purgeMessages(queue));
      await run(this.db.text.purgeKv(queue));
      await run(this.db.text.purgeFifoLock(queue));
    });
  }

  async kvGet(queue: string, key: string): Promise<unknown> {
    const { records } = await this.db.query(this.db.text.kvGet(queue, key));
    return records.length ? parse(records[0].kv_value) : undefined;
  }

  async kvSet(queue: string, key: string, value: unknown): Promise<void> {
    await this.db.query(this.db.text.kvSet(queue, key, JSON.stringify(value ?? null)));
  }

  async kvDelete(queue: string, key: string): Promise<boolean> {
    const { affected } = await this.db.query(this.db.text.kvDelete(queue, key));
    return affected > 0;
  }

  async kvList(queue: string, prefix?: string): Promise<string[]> {
    const { records } = await this.db.query(this.db.text.kvList(queue, prefix));
    return records.map((row) => String(row.kv_key));
  }

  async ping(): Promise<void> {
    await this.db.ping();
  }

  availability(): StorageAvailability {
    return this.db.availability();
  }

  /** Stops listening; the connection pool belongs to SqlConnections, which closes it. */
  async close(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.listener = null;
    if (listener) await listener.stop();
  }
}
