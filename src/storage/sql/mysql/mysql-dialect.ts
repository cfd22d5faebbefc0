import type { DataSource, DataSourceOptions } from 'typeorm';
import type { Clock } from '@app/common/clock';
import type { MessageStore } from '@app/storage/ports/message.store';
import { MysqlMessageStore, type MysqlStatements } from '@app/storage/sql/mysql/mysql-message.store';
import type { SqlClient } from '@app/storage/sql/sql-client';
import { SqlDialect, type PoolLimits, type SharedDataSourceOptions } from '@app/storage/sql/sql-dialect';
import { FIFO_LOCKS_TABLE, KV_TABLE, MESSAGES_TABLE, type SqlScalar, type SqlStatement } from '@app/storage/sql/sql-statement';

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split(/[.-]/).map((n) => Number.parseInt(n, 10));
  return a > major || (a === major && (b || 0) >= minor);
}

const GET_LOCK = { acquire: 'SELECT GET_LOCK(?, 60)', release: 'SELECT RELEASE_LOCK(?)' };

/**
 * MySQL 8.0 and MariaDB 10.6 or newer (FOR UPDATE SKIP LOCKED). The two share every statement;
 * `name` picks TypeORM's driver, and the server check tells them apart by the version the server
 * reports (a mysql:// string may reach a MariaDB server).
 */
export class MysqlDialect extends SqlDialect implements MysqlStatements {
  /** 18 parameters a row. */
  readonly insertChunk = 100;
  readonly migrationLockSql = GET_LOCK;
  readonly leaderLockSql = { acquire: 'SELECT GET_LOCK(?, 0) AS held', release: 'SELECT RELEASE_LOCK(?)' };

  constructor(readonly name: 'mysql' | 'mariadb') {
    super();
  }

  p(): string {
    return '?';
  }

  protected returning(): { output: string; returning: string } {
    return { output: '', returning: '' };
  }

  dataSourceOptions(shared: SharedDataSourceOptions, o: Record<string, string>, { poolSize, connectTimeout }: PoolLimits): DataSourceOptions {
    return {
      ...shared,
      type: this.name,
      charset: o.charset ?? 'utf8mb4_bin',
      timezone: o.timezone ?? 'Z',
      connectTimeout,
      poolSize,
      ssl: this.ssl(o) || undefined,
      multipleStatements: false,
      flags: ['-LOCAL_FILES'],
      extra: { enableKeepAlive: true },
    };
  }

  messageStore(db: SqlClient, clock: Clock): MessageStore {
    return new MysqlMessageStore(db, this, clock);
  }

  override async checkServer(ds: DataSource): Promise<void> {
    const [row] = await ds.query<Array<{ v: string }>>('SELECT VERSION() AS v');
    const version = String(row.v);
    const mariadb = /mariadb/i.test(version);
    if (mariadb ? !versionAtLeast(version, 10, 6) : !versionAtLeast(version, 8, 0)) {
      throw new Error(`${mariadb ? 'MariaDB' : 'MySQL'} ${version} is too old: Mailroom needs MySQL 8.0 or MariaDB 10.6 (FOR UPDATE SKIP LOCKED)`);
    }
  }

  protected deleteAtMost(cond: string, n: number, inOrder: boolean): string {
    return `DELETE FROM ${MESSAGES_TABLE} WHERE ${cond}${inOrder ? ' ORDER BY seq' : ''} LIMIT ${n}`;
  }

  /** No UPDATE ... RETURNING: the locking SELECT, run in a transaction and followed by `leaseClaimed`. */
  claim(queue: string, now: number, _leaseExpiresAt: number, max: number): SqlStatement {
    return {
      sql:
        `SELECT ${this.cols()} FROM ${MESSAGES_TABLE} WHERE queue = ? AND status = 'PENDING' AND available_at <= ? ` +
        `ORDER BY seq LIMIT ${Math.max(1, Math.floor(max))} FOR UPDATE SKIP LOCKED`,
      params: [queue, now],
    };
  }

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

  fifoLockRow(queue: string): SqlStatement {
    return { sql: `INSERT IGNORE INTO ${FIFO_LOCKS_TABLE} (queue) VALUES (?)`, params: [queue] };
  }

  kvSet(queue: string, key: string, value: string): SqlStatement {
    return {
      sql: `INSERT INTO ${KV_TABLE} (queue, kv_key, kv_value) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE kv_value = VALUES(kv_value)`,
      params: [queue, key, value],
    };
  }
}
