import type { DataSourceOptions, QueryRunner } from 'typeorm';
import type { Clock } from '@app/common/clock';
import type { MessageStore } from '@app/storage/ports/message.store';
import type { SqlClient } from '@app/storage/sql/sql-client';
import { SqlDialect, type PoolLimits, type SharedDataSourceOptions } from '@app/storage/sql/sql-dialect';
import { SqlMessageStore } from '@app/storage/sql/sql-message.store';
import { FIFO_LOCKS_TABLE, KV_TABLE, MESSAGES_TABLE, type SqlStatement } from '@app/storage/sql/sql-statement';

/** SQL Server: TOP instead of LIMIT, OUTPUT instead of RETURNING, lock hints instead of FOR UPDATE. No server in CI: its text is unit-tested. */
export class MssqlDialect extends SqlDialect {
  readonly name = 'mssql';
  /** 18 parameters a row, under SQL Server's 2100. */
  readonly insertChunk = 100;
  /** An applock owned by a transaction: its commit releases it. */
  readonly migrationLockSql = {
    acquire: `EXEC sp_getapplock @Resource = @0, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 60000`,
    release: '',
  };
  /** No session lock here: every process leads (docs: aggregate the queue gauges with max by). */
  readonly leaderLockSql = null;

  p(i: number): string {
    return `@${i}`;
  }

  protected returning(): { output: string; returning: string } {
    return { output: ` OUTPUT ${this.cols('inserted.')}`, returning: '' };
  }

  protected override limited(select: string, limit: number): string {
    return select.replace(/^SELECT /, `SELECT TOP (${Math.max(1, Math.floor(limit))}) `);
  }

  dataSourceOptions(shared: SharedDataSourceOptions, o: Record<string, string>, { poolSize, connectTimeout }: PoolLimits): DataSourceOptions {
    return {
      ...shared,
      type: 'mssql',
      connectionTimeout: connectTimeout,
      pool: { max: poolSize, min: 0 },
      options: {
        encrypt: o.encrypt ? o.encrypt === 'true' : true,
        trustServerCertificate: o.trustservercertificate === 'true',
      },
    };
  }

  messageStore(db: SqlClient, clock: Clock): MessageStore {
    return new SqlMessageStore(db, this, clock);
  }

  /** TypeORM's runner only pins a connection inside a transaction, so the applock is owned by one. */
  override async withMigrationLock<T>(runner: QueryRunner, name: string, work: () => Promise<T>): Promise<T> {
    try {
      await runner.startTransaction();
      await runner.query(this.migrationLockSql.acquire, [name]);
      return await work();
    } finally {
      if (runner.isTransactionActive) await runner.commitTransaction();
    }
  }

  protected deleteAtMost(cond: string, n: number, inOrder: boolean): string {
    if (inOrder) return `WITH d AS (SELECT TOP (${n}) * FROM ${MESSAGES_TABLE} WHERE ${cond} ORDER BY seq) DELETE FROM d`;
    return `DELETE TOP (${n}) FROM ${MESSAGES_TABLE} WHERE ${cond}`;
  }

  /** ONE statement that picks the batch (READPAST skips rows locked by others), leases it and returns it. */
  claim(queue: string, now: number, leaseExpiresAt: number, max: number): SqlStatement {
    const n = Math.max(1, Math.floor(max));
    return {
      sql:
        `WITH c AS (SELECT TOP (${n}) * FROM ${MESSAGES_TABLE} WITH (UPDLOCK, READPAST, ROWLOCK) WHERE queue = @0 AND status = 'PENDING' ` +
        `AND available_at <= @1 ORDER BY seq) UPDATE c SET status = 'INPROGRESS', attempts = attempts + 1, ` +
        `receipt = CONVERT(varchar(36), NEWID()), lease_expires_at = @2, updated_at = @1 OUTPUT ${this.cols('inserted.')};`,
      params: [queue, now, leaseExpiresAt],
    };
  }

  override fifoLock(queue: string): SqlStatement {
    return { sql: `SELECT queue FROM ${FIFO_LOCKS_TABLE} WITH (UPDLOCK, HOLDLOCK, ROWLOCK) WHERE queue = @0`, params: [queue] };
  }

  fifoLockRow(queue: string): SqlStatement {
    return {
      sql: `INSERT INTO ${FIFO_LOCKS_TABLE} (queue) SELECT @0 WHERE NOT EXISTS (SELECT 1 FROM ${FIFO_LOCKS_TABLE} WITH (UPDLOCK, HOLDLOCK) WHERE queue = @0)`,
      params: [queue],
    };
  }

  kvSet(queue: string, key: string, value: string): SqlStatement {
    return {
      sql:
        `MERGE ${KV_TABLE} WITH (HOLDLOCK) AS t USING (SELECT @0 AS queue, @1 AS kv_key) AS s ON t.queue = s.queue AND t.kv_key = s.kv_key ` +
        `WHEN MATCHED THEN UPDATE SET kv_value = @2 WHEN NOT MATCHED THEN INSERT (queue, kv_key, kv_value) VALUES (@0, @1, @2);`,
      params: [queue, key, value],
    };
  }
}
