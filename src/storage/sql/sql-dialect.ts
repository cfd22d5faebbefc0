import type { DataSource, DataSourceOptions, QueryRunner } from 'typeorm';
import type { Clock } from '@app/common/clock';
import type { MessageStore } from '@app/storage/ports/message.store';
import type { SqlConnectionOptions, SqlDialectName } from '@app/storage/sql/connection-string';
import type { SqlClient } from '@app/storage/sql/sql-client';
import { QueryRunnerExecutor, type SqlExecutor } from '@app/storage/sql/sql-executor';
import {
  FIFO_LOCKS_TABLE,
  KV_TABLE,
  MESSAGE_COLUMNS,
  MESSAGES_TABLE,
  type SettleChanges,
  type SqlScalar,
  type SqlStatement,
  type SqlValue,
} from '@app/storage/sql/sql-statement';

/** The DataSource options every dialect shares, built by SqlDatabase from the parsed connection string. */
export interface SharedDataSourceOptions {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  database: string | undefined;
  entities: DataSourceOptions['entities'];
  migrations: DataSourceOptions['migrations'];
  migrationsTableName: string;
  migrationsTransactionMode: 'each';
  migrationsRun: boolean;
  synchronize: boolean;
  logging: boolean;
}

/** Sizes SqlDatabase computed from the connection string, for the driver's pool. */
export interface PoolLimits {
  poolSize: number;
  connectTimeout: number;
}

/** Statements of a session-scoped named lock, taking the name as their one parameter. */
export interface NamedLockSql {
  acquire: string;
  release: string;
}

/**
 * Everything that differs between the SQL databases Mailroom runs on: the text of the message
 * store's statements, the driver's options, the migration and leader locks, the server check, how
 * statements are sent, and which message store runs on it. One subclass per dialect
 * (postgres/, mysql/ for MySQL and MariaDB, mssql/), picked in sql-dialects.ts.
 *
 * The statement builders are free of I/O so the text of every dialect (MSSQL in particular,
 * which has no server in CI) is unit-tested. Every value is a bound parameter; identifiers are
 * constants. The methods here are the text the dialects share; a subclass overrides what it
 * writes differently.
 */
export abstract class SqlDialect {
  abstract readonly name: SqlDialectName;
  /** Rows per INSERT statement. */
  abstract readonly insertChunk: number;
  /** Statements of the database-wide lock held while migrating. */
  abstract readonly migrationLockSql: NamedLockSql;
  /** Statements of the session lock that elects one replica per catalog; null = no such lock, every process leads. */
  abstract readonly leaderLockSql: NamedLockSql | null;

  /** Placeholder for the i-th (0-based) parameter. */
  abstract p(i: number): string;

  /** What UPDATE statements add to hand back the changed rows (empty where they cannot). */
  protected abstract returning(): { output: string; returning: string };

  /** The TypeORM options: the shared ones (host, credentials, entities, migrations) and this dialect's driver's. */
  abstract dataSourceOptions(shared: SharedDataSourceOptions, options: Record<string, string>, limits: PoolLimits): DataSourceOptions;

  /** The message store on a database of this dialect. */
  abstract messageStore(db: SqlClient, clock: Clock): MessageStore;

  /** Refuses a server too old for the statements here. */
  async checkServer(_ds: DataSource): Promise<void> {}

  /** How statements reach the database. */
  executor(_target: SqlConnectionOptions, _now: () => number): SqlExecutor {
    return new QueryRunnerExecutor();
  }

  /** Runs `work` holding the migration lock `name`: a session lock on `runner`'s connection. */
  async withMigrationLock<T>(runner: QueryRunner, name: string, work: () => Promise<T>): Promise<T> {
    try {
      await runner.query(this.migrationLockSql.acquire, [name]);
      return await work();
    } finally {
      await runner.query(this.migrationLockSql.release, [name]);
    }
  }

  protected ssl(options: Record<string, string>): boolean | { rejectUnauthorized: boolean } | undefined {
    const mode = (options.sslmode ?? '').toLowerCase();
    if (mode === 'disable' || options.ssl === 'false') return false;
    if (mode === 'verify-ca' || mode === 'verify-full') return { rejectUnauthorized: true };
    if (mode === 'require' || mode === 'no-verify' || mode === 'prefer' || options.ssl === 'true') return { rejectUnauthorized: false };
    return undefined;
  }

  protected cols(prefix = ''): string {
    return MESSAGE_COLUMNS.map((c) => `${prefix}${c}`).join(', ');
  }

  protected limited(select: string, limit: number): string {
    return `${select} LIMIT ${Math.max(1, Math.floor(limit))}`;
  }

  /** A DELETE of at most `n` rows matching `cond`, lowest seq first if `inOrder`. */
  protected abstract deleteAtMost(cond: string, n: number, inOrder: boolean): string;

  /** Multi-row INSERT (VALUES lists); `skipExistingKeys` is for dialects that can skip taken idempotency keys in the statement. */
  insert(rows: SqlScalar[][], _skipExistingKeys: boolean): SqlStatement {
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

  releaseKey(queue: string, id: string, key: string): SqlStatement {
    return {
      sql: `UPDATE ${MESSAGES_TABLE} SET idempotency_key = NULL WHERE queue = ${this.p(0)} AND id = ${this.p(1)} AND idempotency_key = ${this.p(2)}`,
      params: [queue, id, key],
    };
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

  /** The claim of up to `max` available messages of the queue, skipping rows locked by others (see each dialect). */
  abstract claim(queue: string, now: number, leaseExpiresAt: number, max: number): SqlStatement;

  /** FIFO claims of a queue lock its row here first (see FifoGroups1765100000000); `fifoLockRow` creates it. */
  fifoLock(queue: string): SqlStatement {
    return { sql: `SELECT queue FROM ${FIFO_LOCKS_TABLE} WHERE queue = ${this.p(0)} FOR UPDATE`, params: [queue] };
  }

  /** Creates the queue's row of mailroom_fifo_locks unless it exists. */
  abstract fifoLockRow(queue: string): SqlStatement;

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

  /** Leases chosen rows, each with its own receipt (the FIFO claim). */
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

  /** findExpiredLeases for several queues in one statement. */
  findExpiredLeasesIn(queues: string[], now: number, limit: number): SqlStatement {
    const names = queues.map((_, i) => this.p(i)).join(', ');
    return {
      sql: this.limited(
        `SELECT ${this.cols()} FROM ${MESSAGES_TABLE} WHERE queue IN (${names}) AND status = 'INPROGRESS' AND lease_expires_at < ${this.p(queues.length)} ORDER BY lease_expires_at, seq`,
        limit,
      ),
      params: [...queues, now],
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
    const cond = `queue = ${this.p(0)} AND ((status = 'COMPLETE' AND updated_at < ${this.p(1)}) OR created_at < ${this.p(2)})`;
    return { sql: this.deleteAtMost(cond, Math.max(1, Math.floor(limit)), false), params: [queue, processedBefore, allBefore] };
  }

  /** Deletes at most `limit` rows of the queue, of one status if given, lowest seq first. */
  deleteSome(queue: string, status: string | null, limit: number): SqlStatement {
    const params: SqlValue[] = [queue];
    let cond = `queue = ${this.p(0)}`;
    if (status) {
      params.push(status);
      cond += ` AND status = ${this.p(1)}`;
    }
    return { sql: this.deleteAtMost(cond, Math.max(1, Math.floor(limit)), true), params };
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

  /** Insert or replace one key-value entry. */
  abstract kvSet(queue: string, key: string, value: string): SqlStatement;

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
