import type { SqlDialect } from '@app/storage/sql/connection-string';

export const MESSAGES_TABLE = 'mailroom_messages';
export const KV_TABLE = 'mailroom_kv';
export const FIFO_LOCKS_TABLE = 'mailroom_fifo_locks';

/** Columns of mailroom_messages, in the order of every INSERT. */
export const MESSAGE_COLUMNS = [
  'queue',
  'id',
  'seq',
  'status',
  'request',
  'result',
  'error',
  'dead_letter',
  'attempts',
  'sent_by',
  'created_at',
  'updated_at',
  'available_at',
  'lease_expires_at',
  'receipt',
  'idempotency_key',
  'group_id',
  'sender_roles',
] as const;

export type MessageColumn = (typeof MESSAGE_COLUMNS)[number];
/** A bound value; postgres array parameters (unnest inserts) carry arrays of these. */
export type SqlScalar = string | number | null;
export type SqlValue = SqlScalar | SqlScalar[];

const PG_TYPES: Record<MessageColumn, string> = {
  queue: 'varchar',
  id: 'varchar',
  seq: 'int8',
  status: 'varchar',
  request: 'text',
  result: 'text',
  error: 'text',
  dead_letter: 'text',
  attempts: 'int4',
  sent_by: 'varchar',
  created_at: 'int8',
  updated_at: 'int8',
  available_at: 'int8',
  lease_expires_at: 'int8',
  receipt: 'varchar',
  idempotency_key: 'varchar',
  group_id: 'varchar',
  sender_roles: 'text',
};

export interface SqlStatement {
  sql: string;
  params: SqlValue[];
  /**
   * postgres: a name (mailroom_…) under which connections keep the statement prepared, so the
   * server need not parse and plan it on every call (see PgPreparedStatements). One name, one
   * text: only for texts that embed no values.
   */
  name?: string;
}

/** The changes a settlement writes; `null` = set the column to NULL, undefined = keep it. */
export interface SettleChanges {
  status: string;
  updatedAt: number;
  result?: string | null;
  error?: string | null;
  availableAt?: number;
  seq?: number;
  uncountAttempt?: boolean;
  /** only while lease_expires_at is later than this */
  leaseActiveAt?: number;
}

/** One settlement of a combined statement (postgres). */
export interface SettleItem {
  queue: string;
  id: string;
  receipt: string;
  change: SettleChanges;
}

/**
 * Builds the SQL text of the message store for one dialect. Every value is a bound
 * parameter; identifiers are constants. Kept free of I/O so the text of every dialect
 * (MSSQL in particular, which has no server in CI) is unit-tested.
 */
export class SqlText {
  constructor(readonly dialect: SqlDialect) {}

  get isPostgres(): boolean {
    return this.dialect === 'postgres';
  }

  get isMssql(): boolean {
    return this.dialect === 'mssql';
  }

  get isMysqlFamily(): boolean {
    return this.dialect === 'mysql' || this.dialect === 'mariadb';
  }

  /** Placeholder for the i-th (0-based) parameter. */
  p(i: number): string {
    if (this.isPostgres) return `$${i + 1}`;
    if (this.isMssql) return `@${i}`;
    return '?';
  }

  private cols(prefix = ''): string {
    return MESSAGE_COLUMNS.map((c) => `${prefix}${c}`).join(', ');
  }

  /** `RETURNING ...` (postgres) or `OUTPUT inserted....` (mssql) for UPDATE statements. */
  private returning(): { output: string; returning: string } {
    if (this.isPostgres) return { output: '', returning: ` RETURNING ${this.cols()}` };
    if (this.isMssql) return { output: ` OUTPUT ${this.cols('inserted.')}`, returning: '' };
    return { output: '', returning: '' };
  }

  /** Whether UPDATE statements hand back the changed rows (postgres, mssql). */
  get updateReturnsRows(): boolean {
    return !this.isMysqlFamily;
  }

  /** Rows per INSERT statement: postgres takes one array per column (any count); others 18 parameters a row, under mssql's 2100. */
  get insertChunk(): number {
    return this.isPostgres ? 10_000 : 100;
  }

  /**
   * Multi-row INSERT. postgres: `SELECT * FROM unnest(<one array per column>)`, a constant text
   * with 18 parameters whatever the row count (about 1.5× faster than VALUES lists), and rows
   * whose idempotency key exists are skipped, the stored ids returned.
   */
  insert(rows: SqlScalar[][], skipExistingKeys: boolean): SqlStatement {
    if (this.isPostgres) {
      const arrays = MESSAGE_COLUMNS.map((_, i) => rows.map((row) => row[i]));
      const casts = MESSAGE_COLUMNS.map((column, i) => `$${i + 1}::${PG_TYPES[column]}[]`).join(', ');
      let sql = `INSERT INTO ${MESSAGES_TABLE} (${MESSAGE_COLUMNS.join(', ')}) SELECT * FROM unnest(${casts})`;
      if (skipExistingKeys) sql += ' ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id';
      return { sql, params: arrays, name: skipExistingKeys ? 'mailroom_insert_new' : 'mailroom_insert' };
    }
    const params: SqlValue[] = [];
    const tuples = rows.map((row) => {
      const marks = row.map((value) => {
        params.push(value);
        return this.p(params.length - 1);
      });
      return `(${marks.join(', ')})`;
    });
    return { sql: `INSERT INTO ${MESSAGES_TABLE} (${MESSAGE_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params };
  }

  /** Rows of one queue with one of the given idempotency keys. */
  selectByKeys(queue: string, keys: string[]): SqlStatement {
    const marks = keys.map((_, i) => this.p(i + 1)).join(', ');
    return { sql: `SELECT ${this.cols()} FROM ${MESSAGES_TABLE} WHERE queue = ${this.p(0)} AND idempotency_key IN (${marks})`, params: [queue, ...keys] };
  }

  selectOne(queue: string, id: string): SqlStatement {
    return { sql: `SELECT ${this.cols()} FROM ${MESSAGES_TABLE} WHERE queue = ${this.p(0)} AND id = ${this.p(1)}`, params: [queue, id] };
  }

  deleteOne(queue: string, id: string): SqlStatement {
    return { sql: `DELETE FROM ${MESSAGES_TABLE} WHERE queue = ${this.p(0)} AND id = ${this.p(1)}`, params: [queue, id] };
  }

  /** One page in delivery order (seq, id), `limit + 1` rows to know whether another page follows. */
  list(queue: string, status: string | null, after: { seq: number; id: string } | null, limit: number): SqlStatement {
    const params: SqlValue[] = [queue];
    let where = `queue = ${this.p(0)}`;
    if (status) {
      params.push(status);
      where += ` AND status = ${this.p(params.length - 1)}`;
    }
    if (after) {
      params.push(after.seq, after.seq, after.id);
      const n = params.length;
      where += ` AND (seq > ${this.p(n - 3)} OR (seq = ${this.p(n - 2)} AND id > ${this.p(n - 1)}))`;
    }
    return { sql: this.limited(`SELECT ${this.cols()} FROM ${MESSAGES_TABLE} WHERE ${where} ORDER BY seq, id`, limit + 1), params };
  }

  private limited(select: string, limit: number): string {
    const n = Math.max(1, Math.floor(limit));
    if (this.isMssql) return select.replace(/^SELECT /, `SELECT TOP (${n}) `);
    return `${select} LIMIT ${n}`;
  }

  /**
   * The claim. postgres and mssql: ONE statement that picks the batch, skipping rows locked by
   * others, and leases it. mysql/mariadb (no UPDATE ... RETURNING): this is the locking SELECT
   * run inside a transaction, followed by `leaseClaimed`.
   *
   * postgres updates the locked rows by their ctid (a TID scan per row, the one plan there is)
   * rather than joining on the key, where a cached plan could scan the queue. A row another
   * session changed after this statement's snapshot is locked in its new version, which the
   * update then does not see: it is left PENDING for the next claim, never claimed twice.
   */
  claim(queue: string, now: number, leaseExpiresAt: number, max: number): SqlStatement {
    const n = Math.max(1, Math.floor(max));
    if (this.isPostgres) {
      return {
        sql:
          `WITH c AS MATERIALIZED (SELECT ctid AS t FROM ${MESSAGES_TABLE} WHERE queue = $1 AND status = 'PENDING' ` +
          `AND available_at <= $2 ORDER BY seq LIMIT ${n} FOR UPDATE SKIP LOCKED) ` +
          `UPDATE ${MESSAGES_TABLE} AS m SET status = 'INPROGRESS', attempts = m.attempts + 1, receipt = gen_random_uuid()::text, ` +
          `lease_expires_at = $3, updated_at = $2 FROM c WHERE m.ctid = c.t` +
          ` RETURNING ${this.cols('m.')}`,
        params: [queue, now, leaseExpiresAt],
        name: `mailroom_claim_${n}`,
      };
    }
    if (this.isMssql) {
      return {
        sql:
          `WITH c AS (SELECT TOP (${n}) * FROM ${MESSAGES_TABLE} WITH (UPDLOCK, READPAST, ROWLOCK) WHERE queue = @0 AND status = 'PENDING' ` +
          `AND available_at <= @1 ORDER BY seq) UPDATE c SET status = 'INPROGRESS', attempts = attempts + 1, ` +
          `receipt = CONVERT(varchar(36), NEWID()), lease_expires_at = @2, updated_at = @1 OUTPUT ${this.cols('inserted.')};`,
        params: [queue, now, leaseExpiresAt],
      };
    }
    return {
      sql:
        `SELECT ${this.cols()} FROM ${MESSAGES_TABLE} WHERE queue = ? AND status = 'PENDING' AND available_at <= ? ` +
        `ORDER BY seq LIMIT ${n} FOR UPDATE SKIP LOCKED`,
      params: [queue, now],
    };
  }

  /** FIFO claims of a queue lock its row here first (see FifoGroups1765100000000); `fifoLockRow` creates it. */
  fifoLock(queue: string): SqlStatement {
    if (this.isMssql) return { sql: `SELECT queue FROM ${FIFO_LOCKS_TABLE} WITH (UPDLOCK, HOLDLOCK, ROWLOCK) WHERE queue = @0`, params: [queue] };
    return { sql: `SELECT queue FROM ${FIFO_LOCKS_TABLE} WHERE queue = ${this.p(0)} FOR UPDATE`, params: [queue] };
  }

  fifoLockRow(queue: string): SqlStatement {
    if (this.isPostgres) return { sql: `INSERT INTO ${FIFO_LOCKS_TABLE} (queue) VALUES ($1) ON CONFLICT DO NOTHING`, params: [queue] };
    if (this.isMssql) {
      return {
        sql: `INSERT INTO ${FIFO_LOCKS_TABLE} (queue) SELECT @0 WHERE NOT EXISTS (SELECT 1 FROM ${FIFO_LOCKS_TABLE} WITH (UPDLOCK, HOLDLOCK) WHERE queue = @0)`,
        params: [queue],
      };
    }
    return { sql: `INSERT IGNORE INTO ${FIFO_LOCKS_TABLE} (queue) VALUES (?)`, params: [queue] };
  }

  purgeFifoLock(queue: string): SqlStatement {
    return { sql: `DELETE FROM ${FIFO_LOCKS_TABLE} WHERE queue = ${this.p(0)}`, params: [queue] };
  }

  /**
   * The FIFO claim's choice (run under `fifoLock`): per group with nothing INPROGRESS, its first
   * PENDING messages in seq order, at most `perGroup`, stopping before the first one not yet
   * available; plus available messages without a group. Lowest seq first, at most `max`.
   */
  claimGroups(queue: string, now: number, max: number, perGroup: number): SqlStatement {
    const params: SqlValue[] = [];
    const bind = (value: SqlValue): string => {
      params.push(value);
      return this.p(params.length - 1);
    };
    const cols = this.cols();
    const grouped =
      `SELECT ${cols} FROM (SELECT m.*, ` +
      'ROW_NUMBER() OVER (PARTITION BY m.group_id ORDER BY m.seq, m.id) AS fifo_rank, ' +
      `SUM(CASE WHEN m.available_at > ${bind(now)} THEN 1 ELSE 0 END) OVER (PARTITION BY m.group_id ORDER BY m.seq, m.id ROWS UNBOUNDED PRECEDING) AS fifo_held ` +
      `FROM ${MESSAGES_TABLE} m WHERE m.queue = ${bind(queue)} AND m.status = 'PENDING' AND m.group_id IS NOT NULL ` +
      `AND NOT EXISTS (SELECT 1 FROM ${MESSAGES_TABLE} f WHERE f.queue = m.queue AND f.group_id = m.group_id AND f.status = 'INPROGRESS')) g ` +
      `WHERE g.fifo_rank <= ${bind(perGroup)} AND g.fifo_held = 0`;
    const loose = `SELECT ${cols} FROM ${MESSAGES_TABLE} WHERE queue = ${bind(queue)} AND status = 'PENDING' AND group_id IS NULL AND available_at <= ${bind(now)}`;
    return { sql: this.limited(`SELECT ${cols} FROM (${grouped} UNION ALL ${loose}) c ORDER BY seq, id`, max), params };
  }

  /** Leases chosen rows, each with its own receipt (the FIFO claim, and mysql/mariadb's claim via `leaseClaimed`). */
  leaseChosen(queue: string, claimed: Array<{ id: string; receipt: string }>, now: number, leaseExpiresAt: number): SqlStatement {
    const params: SqlScalar[] = [];
    const bind = (value: SqlScalar): string => {
      params.push(value);
      return this.p(params.length - 1);
    };
    const cases = claimed.map(({ id, receipt }) => `WHEN ${bind(id)} THEN ${bind(receipt)}`);
    const sets = `status = 'INPROGRESS', attempts = attempts + 1, receipt = CASE id ${cases.join(' ')} END, lease_expires_at = ${bind(leaseExpiresAt)}, updated_at = ${bind(now)}`;
    const where = `queue = ${bind(queue)} AND status = 'PENDING' AND id IN (${claimed.map((c) => bind(c.id)).join(', ')})`;
    return { sql: `UPDATE ${MESSAGES_TABLE} SET ${sets} WHERE ${where}`, params };
  }

  /** mysql/mariadb: leases the rows the locking SELECT returned, each with its own receipt. */
  leaseClaimed(queue: string, claimed: Array<{ id: string; receipt: string }>, now: number, leaseExpiresAt: number): SqlStatement {
    const params: SqlScalar[] = [];
    const cases = claimed.map(({ id, receipt }) => {
      params.push(id, receipt);
      return 'WHEN ? THEN ?';
    });
    params.push(leaseExpiresAt, now, queue, ...claimed.map((c) => c.id));
    return {
      sql:
        `UPDATE ${MESSAGES_TABLE} SET status = 'INPROGRESS', attempts = attempts + 1, receipt = CASE id ${cases.join(' ')} END, ` +
        `lease_expires_at = ?, updated_at = ? WHERE queue = ? AND id IN (${claimed.map(() => '?').join(', ')})`,
      params,
    };
  }

  /** Compare-and-set on the receipt of an INPROGRESS message. */
  settle(queue: string, id: string, receipt: string, change: SettleChanges): SqlStatement {
    const params: SqlValue[] = [];
    const bind = (value: SqlValue): string => {
      params.push(value);
      return this.p(params.length - 1);
    };
    const sets = [`status = ${bind(change.status)}`, `updated_at = ${bind(change.updatedAt)}`, 'lease_expires_at = NULL', 'receipt = NULL'];
    if (change.result !== undefined) sets.push(`result = ${bind(change.result)}`);
    if (change.error !== undefined) sets.push(`error = ${bind(change.error)}`);
    if (change.availableAt !== undefined) sets.push(`available_at = ${bind(change.availableAt)}`);
    if (change.seq !== undefined) sets.push(`seq = ${bind(change.seq)}`);
    if (change.uncountAttempt) sets.push('attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END');
    let where = `queue = ${bind(queue)} AND id = ${bind(id)} AND receipt = ${bind(receipt)} AND status = 'INPROGRESS'`;
    if (change.leaseActiveAt !== undefined) where += ` AND (lease_expires_at IS NULL OR lease_expires_at > ${bind(change.leaseActiveAt)})`;
    const { output, returning } = this.returning();
    return { sql: `UPDATE ${MESSAGES_TABLE} SET ${sets.join(', ')}${output} WHERE ${where}${returning}`, params };
  }

  /**
   * postgres: several settlements in ONE statement, each still a compare-and-set on its own
   * receipt (a row whose receipt or status does not match is left alone and not returned).
   * A constant text with 13 array parameters whatever the count. The (queue, id) pairs must be
   * distinct: one UPDATE changes a row at most once.
   *
   * `LIMIT $14` (the item count, so it cuts nothing) is there for the plan cache: with the arrays
   * as parameters the generic plan guesses 10 rows from unnest, more than the custom plan sees
   * for a batch of one or two, so Postgres re-planned nearly every execution (planning took longer
   * than running it). A parameter LIMIT makes the generic estimate one row: the generic plan, a
   * primary-key probe per row, is then kept, as for the insert and the claim.
   */
  settleMany(items: SettleItem[]): SqlStatement {
    if (!this.isPostgres) throw new Error('combined settlements are postgres only');
    const column = <T extends SqlScalar>(pick: (item: SettleItem) => T): T[] => items.map(pick);
    const flag = (value: boolean): number => (value ? 1 : 0);
    return {
      sql:
        `UPDATE ${MESSAGES_TABLE} AS m SET status = v.status, updated_at = v.updated_at, lease_expires_at = NULL, receipt = NULL, ` +
        'result = CASE WHEN v.set_result THEN v.result ELSE m.result END, error = CASE WHEN v.set_error THEN v.error ELSE m.error END, ' +
        'available_at = COALESCE(v.available_at, m.available_at), seq = COALESCE(v.seq, m.seq), ' +
        'attempts = CASE WHEN v.uncount THEN GREATEST(m.attempts - 1, 0) ELSE m.attempts END ' +
        'FROM (SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::int8[], $6::bool[], $7::text[], $8::bool[], $9::text[], ' +
        '$10::int8[], $11::int8[], $12::bool[], $13::int8[]) ' +
        'AS u(queue, id, receipt, status, updated_at, set_result, result, set_error, error, available_at, seq, uncount, lease_active_at) LIMIT $14) AS v ' +
        `WHERE m.queue = v.queue AND m.id = v.id AND m.receipt = v.receipt AND m.status = 'INPROGRESS' ` +
        'AND (v.lease_active_at IS NULL OR m.lease_expires_at IS NULL OR m.lease_expires_at > v.lease_active_at) ' +
        `RETURNING ${this.cols('m.')}`,
      name: 'mailroom_settle_many',
      params: [
        column((i) => i.queue),
        column((i) => i.id),
        column((i) => i.receipt),
        column((i) => i.change.status),
        column((i) => i.change.updatedAt),
        column((i) => flag(i.change.result !== undefined)),
        column((i) => i.change.result ?? null),
        column((i) => flag(i.change.error !== undefined)),
        column((i) => i.change.error ?? null),
        column((i) => i.change.availableAt ?? null),
        column((i) => i.change.seq ?? null),
        column((i) => flag(i.change.uncountAttempt === true)),
        column((i) => i.change.leaseActiveAt ?? null),
        items.length,
      ],
    };
  }

  extendLease(queue: string, id: string, receipt: string, leaseExpiresAt: number, now: number): SqlStatement {
    const { output, returning } = this.returning();
    return {
      sql:
        `UPDATE ${MESSAGES_TABLE} SET lease_expires_at = ${this.p(0)}, updated_at = ${this.p(1)}${output} ` +
        `WHERE queue = ${this.p(2)} AND id = ${this.p(3)} AND receipt = ${this.p(4)} AND status = 'INPROGRESS'${returning}`,
      params: [leaseExpiresAt, now, queue, id, receipt],
    };
  }

  findExpiredLeases(queue: string, now: number, limit: number): SqlStatement {
    return {
      sql: this.limited(
        `SELECT ${this.cols()} FROM ${MESSAGES_TABLE} WHERE queue = ${this.p(0)} AND status = 'INPROGRESS' AND lease_expires_at < ${this.p(1)} ORDER BY lease_expires_at, seq`,
        limit,
      ),
      params: [queue, now],
    };
  }

  requeue(queue: string, id: string, now: number): SqlStatement {
    const { output, returning } = this.returning();
    return {
      sql:
        `UPDATE ${MESSAGES_TABLE} SET status = 'PENDING', attempts = 0, available_at = ${this.p(0)}, updated_at = ${this.p(1)}, ` +
        `lease_expires_at = NULL, receipt = NULL${output} WHERE queue = ${this.p(2)} AND id = ${this.p(3)} AND status = 'ERROR'${returning}`,
      params: [now, now, queue, id],
    };
  }

  stats(queue: string): SqlStatement {
    return {
      sql: `SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM ${MESSAGES_TABLE} WHERE queue = ${this.p(0)} GROUP BY status`,
      params: [queue],
    };
  }

  maxSeq(queue: string): SqlStatement {
    return { sql: `SELECT MAX(seq) AS seq FROM ${MESSAGES_TABLE} WHERE queue = ${this.p(0)}`, params: [queue] };
  }

  /** Deletes at most `limit` rows that are past retention. */
  retention(queue: string, processedBefore: number, allBefore: number, limit: number): SqlStatement {
    const n = Math.max(1, Math.floor(limit));
    const cond = `queue = ${this.p(0)} AND ((status = 'COMPLETE' AND updated_at < ${this.p(1)}) OR created_at < ${this.p(2)})`;
    const params = [queue, processedBefore, allBefore];
    if (this.isPostgres) {
      return { sql: `DELETE FROM ${MESSAGES_TABLE} WHERE queue = $1 AND id IN (SELECT id FROM ${MESSAGES_TABLE} WHERE ${cond} LIMIT ${n})`, params };
    }
    if (this.isMssql) return { sql: `DELETE TOP (${n}) FROM ${MESSAGES_TABLE} WHERE ${cond}`, params };
    return { sql: `DELETE FROM ${MESSAGES_TABLE} WHERE ${cond} LIMIT ${n}`, params };
  }

  /** Deletes at most `limit` rows of the queue, of one status if given, lowest seq first. */
  deleteSome(queue: string, status: string | null, limit: number): SqlStatement {
    const n = Math.max(1, Math.floor(limit));
    const params: SqlValue[] = [queue];
    let cond = `queue = ${this.p(0)}`;
    if (status) {
      params.push(status);
      cond += ` AND status = ${this.p(1)}`;
    }
    if (this.isPostgres) {
      return {
        sql: `DELETE FROM ${MESSAGES_TABLE} WHERE queue = $1 AND id IN (SELECT id FROM ${MESSAGES_TABLE} WHERE ${cond} ORDER BY seq LIMIT ${n})`,
        params,
      };
    }
    if (this.isMssql) return { sql: `WITH d AS (SELECT TOP (${n}) * FROM ${MESSAGES_TABLE} WHERE ${cond} ORDER BY seq) DELETE FROM d`, params };
    return { sql: `DELETE FROM ${MESSAGES_TABLE} WHERE ${cond} ORDER BY seq LIMIT ${n}`, params };
  }

  purgeMessages(queue: string): SqlStatement {
    return { sql: `DELETE FROM ${MESSAGES_TABLE} WHERE queue = ${this.p(0)}`, params: [queue] };
  }

  purgeKv(queue: string): SqlStatement {
    return { sql: `DELETE FROM ${KV_TABLE} WHERE queue = ${this.p(0)}`, params: [queue] };
  }

  kvGet(queue: string, key: string): SqlStatement {
    return { sql: `SELECT kv_value FROM ${KV_TABLE} WHERE queue = ${this.p(0)} AND kv_key = ${this.p(1)}`, params: [queue, key] };
  }

  kvSet(queue: string, key: string, value: string): SqlStatement {
    if (this.isPostgres) {
      return {
        sql: `INSERT INTO ${KV_TABLE} (queue, kv_key, kv_value) VALUES ($1, $2, $3) ON CONFLICT (queue, kv_key) DO UPDATE SET kv_value = EXCLUDED.kv_value`,
        params: [queue, key, value],
      };
    }
    if (this.isMssql) {
      return {
        sql:
          `MERGE ${KV_TABLE} WITH (HOLDLOCK) AS t USING (SELECT @0 AS queue, @1 AS kv_key) AS s ON t.queue = s.queue AND t.kv_key = s.kv_key ` +
          `WHEN MATCHED THEN UPDATE SET kv_value = @2 WHEN NOT MATCHED THEN INSERT (queue, kv_key, kv_value) VALUES (@0, @1, @2);`,
        params: [queue, key, value],
      };
    }
    return {
      sql: `INSERT INTO ${KV_TABLE} (queue, kv_key, kv_value) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE kv_value = VALUES(kv_value)`,
      params: [queue, key, value],
    };
  }

  kvDelete(queue: string, key: string): SqlStatement {
    return { sql: `DELETE FROM ${KV_TABLE} WHERE queue = ${this.p(0)} AND kv_key = ${this.p(1)}`, params: [queue, key] };
  }

  /** Keys in order; a prefix matches literally (LIKE wildcards escaped). */
  kvList(queue: string, prefix: string | undefined): SqlStatement {
    if (!prefix) return { sql: `SELECT kv_key FROM ${KV_TABLE} WHERE queue = ${this.p(0)} ORDER BY kv_key`, params: [queue] };
    const escaped = prefix.replace(/[!%_[]/g, (c) => `!${c}`);
    return {
      sql: `SELECT kv_key FROM ${KV_TABLE} WHERE queue = ${this.p(0)} AND kv_key LIKE ${this.p(1)} ESCAPE '!' ORDER BY kv_key`,
      params: [queue, `${escaped}%`],
    };
  }

  ping(): string {
    return 'SELECT 1 AS ok';
  }
}
