import type { DataSource, DataSourceOptions } from 'typeorm';
import type { Clock } from '@app/common/clock';
import type { MessageStore } from '@app/storage/ports/message.store';
import type { SqlConnectionOptions } from '@app/storage/sql/connection-string';
import { PgPoolExecutor } from '@app/storage/sql/postgres/pg-pool-executor';
import { AVAILABLE_CHANNEL } from '@app/storage/sql/postgres/pg-listener';
import { PgPreparedStatements } from '@app/storage/sql/postgres/pg-prepared';
import { PostgresMessageStore, type PostgresStatements, type SettleItem } from '@app/storage/sql/postgres/postgres-message.store';
import type { SqlClient } from '@app/storage/sql/sql-client';
import { SqlDialect, type PoolLimits, type SharedDataSourceOptions } from '@app/storage/sql/sql-dialect';
import type { SqlExecutor } from '@app/storage/sql/sql-executor';
import {
  FIFO_LOCKS_TABLE,
  KV_TABLE,
  MESSAGE_COLUMNS,
  MESSAGES_TABLE,
  type MessageColumn,
  type SqlScalar,
  type SqlStatement,
} from '@app/storage/sql/sql-statement';

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
  dedup_id: 'varchar',
};

/** PostgreSQL 13 or newer (gen_random_uuid()). */
export class PostgresDialect extends SqlDialect implements PostgresStatements {
  readonly name = 'postgres';
  /** One array per column whatever the row count. */
  readonly insertChunk = 10_000;
  readonly migrationLockSql = { acquire: 'SELECT pg_advisory_lock(hashtext($1))', release: 'SELECT pg_advisory_unlock(hashtext($1))' };
  readonly leaderLockSql = { acquire: 'SELECT pg_try_advisory_lock(hashtext($1)) AS held', release: 'SELECT pg_advisory_unlock(hashtext($1))' };

  p(i: number): string {
    return `$${i + 1}`;
  }

  protected returning(): { output: string; returning: string } {
    return { output: '', returning: ` RETURNING ${this.cols()}` };
  }

  dataSourceOptions(shared: SharedDataSourceOptions, o: Record<string, string>, { poolSize, connectTimeout }: PoolLimits): DataSourceOptions {
    return {
      ...shared,
      type: 'postgres',
      schema: o.schema,
      applicationName: o.application_name ?? 'mailroom',
      ssl: this.ssl(o),
      connectTimeoutMS: connectTimeout,
      poolSize,
      extra: { keepAlive: true, idleTimeoutMillis: 30000, ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}) },
    };
  }

  messageStore(db: SqlClient, clock: Clock): MessageStore {
    return new PostgresMessageStore(db, this, clock);
  }

  override async checkServer(ds: DataSource): Promise<void> {
    const [row] = await ds.query<Array<{ server_version_num: string }>>('SHOW server_version_num');
    if (Number(row.server_version_num) < 130000) throw new Error('PostgreSQL 13 or newer is needed');
  }

  /**
   * Statements with a name are prepared on each connection (skipping the parse and plan that
   * otherwise cost more server CPU than running them). `preparedStatements=false` in the
   * connection string turns this off, for poolers that hand a session's statements to other
   * clients (PgBouncer in transaction mode before 1.21).
   */
  override executor(target: SqlConnectionOptions, now: () => number): SqlExecutor {
    return new PgPoolExecutor(target.options.preparedstatements !== 'false' ? new PgPreparedStatements(now) : null);
  }

  protected deleteAtMost(cond: string, n: number, inOrder: boolean): string {
    return `DELETE FROM ${MESSAGES_TABLE} WHERE queue = $1 AND id IN (SELECT id FROM ${MESSAGES_TABLE} WHERE ${cond}${inOrder ? ' ORDER BY seq' : ''} LIMIT ${n})`;
  }

  /**
   * `INSERT ... SELECT * FROM unnest(<one array per column>)`, a constant text with 18 parameters
   * whatever the row count (about 1.5× faster than VALUES lists); with `skipExistingKeys` rows
   * whose idempotency key exists are skipped, the stored ids returned.
   */
  override insert(rows: SqlScalar[][], skipExistingKeys: boolean): SqlStatement {
    const arrays = MESSAGE_COLUMNS.map((_, i) => rows.map((row) => row[i]));
    const casts = MESSAGE_COLUMNS.map((column, i) => `$${i + 1}::${PG_TYPES[column]}[]`).join(', ');
    let sql = `INSERT INTO ${MESSAGES_TABLE} (${MESSAGE_COLUMNS.join(', ')}) SELECT * FROM unnest(${casts})`;
    if (skipExistingKeys) sql += ' ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id';
    return { sql, params: arrays, name: skipExistingKeys ? 'mailroom_insert_new' : 'mailroom_insert' };
  }

  /**
   * ONE statement that picks the batch, skipping rows locked by others, and leases it. It updates
   * the locked rows by their ctid (a TID scan per row, the one plan there is) rather than joining
   * on the key, where a cached plan could scan the queue. A row another session changed after
   * this statement's snapshot is locked in its new version, which the update then does not see:
   * it is left PENDING for the next claim, never claimed twice.
   */
  claim(queue: string, now: number, leaseExpiresAt: number, max: number): SqlStatement {
    const n = Math.max(1, Math.floor(max));
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

  fifoLockRow(queue: string): SqlStatement {
    return { sql: `INSERT INTO ${FIFO_LOCKS_TABLE} (queue) VALUES ($1) ON CONFLICT DO NOTHING`, params: [queue] };
  }

  /**
   * Several settlements in ONE statement, each still a compare-and-set on its own receipt (a row
   * whose receipt or status does not match is left alone and not returned). A constant text with
   * 13 array parameters whatever the count. The (queue, id) pairs must be distinct: one UPDATE
   * changes a row at most once.
   *
   * `LIMIT $14` (the item count, so it cuts nothing) is there for the plan cache: with the arrays
   * as parameters the generic plan guesses 10 rows from unnest, more than the custom plan sees
   * for a batch of one or two, so Postgres re-planned nearly every execution (planning took longer
   * than running it). A parameter LIMIT makes the generic estimate one row: the generic plan, a
   * primary-key probe per row, is then kept, as for the insert and the claim.
   */
  settleMany(items: SettleItem[]): SqlStatement {
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

  kvSet(queue: string, key: string, value: string): SqlStatement {
    return {
      sql: `INSERT INTO ${KV_TABLE} (queue, kv_key, kv_value) VALUES ($1, $2, $3) ON CONFLICT (queue, kv_key) DO UPDATE SET kv_value = EXCLUDED.kv_value`,
      params: [queue, key, value],
    };
  }

  /** Wakes the other replicas' listeners (PgListener) for the queue of this schema. */
  notifyAvailable(queue: string): SqlStatement {
    return { sql: `SELECT pg_notify('${AVAILABLE_CHANNEL}', current_schema() || '.' || $1)`, params: [queue] };
  }
}
