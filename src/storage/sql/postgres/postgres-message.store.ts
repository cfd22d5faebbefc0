import { DomainError } from '@app/common/domain-error';
import type { StoredMessage } from '@app/domain/message';
import type { AvailabilityListener, ClaimRequest } from '@app/storage/ports/message.store';
import { Coalescer } from '@app/storage/sql/postgres/coalescer';
import { PgListener } from '@app/storage/sql/postgres/pg-listener';
import type { SqlDialect } from '@app/storage/sql/sql-dialect';
import { bySeq, messageRow, rowToMessage, type Row } from '@app/storage/sql/sql-message-rows';
import { SqlMessageStore } from '@app/storage/sql/sql-message.store';
import type { Run, SettleChanges, SqlStatement } from '@app/storage/sql/sql-statement';

/** At most one NOTIFY per queue in this window; later events in it are merged into one trailing NOTIFY. */
const NOTIFY_WINDOW_MS = 25;
/** Inserts of at most this many messages (a push, a small batch) share statements with concurrent ones. */
const COALESCED_INSERT_MAX = 100;
/** Callers in one combined claim; each gets up to its own max, so none is shortchanged. */
const COALESCED_CLAIM_CALLS = 10;
/** Claim coalescers kept (one per queue and lease length); idle ones are dropped past this. */
const CLAIM_COALESCERS = 256;

/** One settlement of a combined statement. */
export interface SettleItem {
  queue: string;
  id: string;
  receipt: string;
  change: SettleChanges;
}

/** The statements only Postgres has, which this store sends beside SqlDialect's (PostgresDialect builds them). */
export interface PostgresStatements {
  settleMany(items: SettleItem[]): SqlStatement;
  notifyAvailable(queue: string): SqlStatement;
}

interface ClaimCall {
  max: number;
  now: number;
}

/**
 * The message store on Postgres: concurrent inserts, claims and settlements share statements
 * (Coalescer), idempotency keys are skipped by the INSERT itself (ON CONFLICT), and replicas wake
 * each other with LISTEN/NOTIFY.
 */
export class PostgresMessageStore extends SqlMessageStore<SqlDialect & PostgresStatements> {
  private listener: PgListener | null = null;
  private readonly knownQueues = new Set<string>();
  /** queue → a NOTIFY went out in the current window ('sent') and another is due at its end ('due') */
  private readonly notifying = new Map<string, 'sent' | 'due'>();
  private closed = false;
  /** concurrent small inserts without idempotency keys go out as one INSERT (one commit) */
  private readonly inserts = new Coalescer<StoredMessage[], { error?: unknown }>((calls) => this.insertTogether(calls), { maxBatch: 100, maxInFlight: 2 });

  /**
   * Settlements made at the same time go out as one statement, each still a compare-and-set on
   * its own receipt; two of one message never share a statement, so the later sees the earlier
   * one's outcome. One statement in flight: bigger groups beat more statements on 2 cores
   * (dispatch of 20,000 at concurrency 10 and 64).
   */
  private readonly settles = new Coalescer<SettleItem, Row | null>((items) => this.settleTogether(items), {
    maxBatch: 100,
    maxInFlight: 1,
    key: (item) => `${item.queue}\u0000${item.id}`,
  });
  /** claims of one queue and lease length made at the same time share one statement */
  private readonly claims = new Map<string, Coalescer<ClaimCall, StoredMessage[]>>();

  override onAvailable(listener: AvailabilityListener): () => void {
    if (!this.listener && !this.closed) {
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

  /** A message may have become available: wake local waiters now, and other replicas (NOTIFY). */
  protected override available(queue: string): void {
    this.knownQueues.add(queue);
    super.available(queue);
    this.notifyOthers(queue);
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
    this.db.query(this.sql.notifyAvailable(queue)).catch(() => undefined);
    setTimeout(() => {
      const due = this.notifying.get(queue) === 'due';
      this.notifying.delete(queue);
      if (due && !this.closed) this.notifyOthers(queue);
    }, NOTIFY_WINDOW_MS).unref();
  }

  protected override async insertRows(records: StoredMessage[]): Promise<void> {
    if (records.length > COALESCED_INSERT_MAX) return super.insertRows(records);
    const { error } = await this.inserts.submit(records);
    // the coalescer hands back the value the batch insert threw, unchanged
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (error) throw error;
  }

  /**
   * One statement for the records of several calls: each call's records are all stored or none,
   * as alone. If the statement fails for a reason other than the database being unavailable,
   * each call is tried on its own, so one call's bad record cannot fail the others.
   */
  private async insertTogether(calls: StoredMessage[][]): Promise<Array<{ error?: unknown }>> {
    const alone = (records: StoredMessage[]) =>
      this.db.query(this.sql.insert(records.map(messageRow), false)).then(
        () => ({}),
        (error: unknown) => ({ error }),
      );
    if (calls.length === 1) return [await alone(calls[0])];
    try {
      await this.db.query(this.sql.insert(calls.flat().map(messageRow), false));
      return calls.map(() => ({}));
    } catch (error) {
      if (error instanceof DomainError && error.code === 'STORAGE_UNAVAILABLE') return calls.map(() => ({ error }));
      return Promise.all(calls.map(alone));
    }
  }

  /** One INSERT ... ON CONFLICT is atomic by itself: no transaction round trips. */
  protected override insertKeyed(candidates: StoredMessage[]): Promise<Map<string, StoredMessage>> {
    if (candidates.length > this.sql.insertChunk) return super.insertKeyed(candidates);
    return this.insertNew((statement) => this.db.query(statement), candidates);
  }

  /** Inserts skipping taken keys in the statement; looks up the stored messages only if some were taken. */
  protected override async insertNew(run: Run, candidates: StoredMessage[]): Promise<Map<string, StoredMessage>> {
    const size = this.sql.insertChunk;
    const inserted = new Set<string>();
    for (let i = 0; i < candidates.length; i += size) {
      const { records } = await run(this.sql.insert(candidates.slice(i, i + size).map(messageRow), true));
      for (const row of records) inserted.add(String(row.id));
    }
    const existing = inserted.size < candidates.length ? await this.storedByKey(run, candidates) : new Map<string, StoredMessage>();
    for (const [key, message] of existing) if (inserted.has(message.id)) existing.delete(key);
    return existing;
  }

  override claim(queue: string, request: ClaimRequest): Promise<StoredMessage[]> {
    this.knownQueues.add(queue);
    return super.claim(queue, request);
  }

  protected override claimBatch(queue: string, request: ClaimRequest): Promise<StoredMessage[]> {
    return this.claimCoalescer(queue, request.leaseExpiresAt - request.now).submit({ max: request.max, now: request.now });
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
    const { records } = await this.db.query(this.sql.claim(queue, now, now + leaseMs, total));
    const claimed = records.map(rowToMessage).sort(bySeq);
    let next = 0;
    return calls.map((call) => {
      const share = claimed.slice(next, next + call.max);
      next += call.max;
      return share;
    });
  }

  protected override settledRow(queue: string, id: string, receipt: string, change: SettleChanges): Promise<Row | null> {
    return this.settles.submit({ queue, id, receipt, change });
  }

  private async settleTogether(items: SettleItem[]): Promise<Array<Row | null>> {
    const { records } = await this.db.query(this.sql.settleMany(items));
    const settled = new Map<string, Row>();
    for (const row of records) settled.set(`${String(row.queue)}\u0000${String(row.id)}`, row);
    return items.map((item) => settled.get(`${item.queue}\u0000${item.id}`) ?? null);
  }

  /** Stops listening; the connection pool belongs to SqlConnections, which closes it. */
  override async close(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.listener = null;
    if (listener) await listener.stop();
  }
}
