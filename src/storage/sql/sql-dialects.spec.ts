import { SystemClock } from '@app/common/clock';
import type { StorageAvailability } from '@app/storage/ports/message.store';
import { parseConnectionString, type SqlConnectionOptions } from '@app/storage/sql/connection-string';
import { MssqlDialect } from '@app/storage/sql/mssql/mssql-dialect';
import { MysqlDialect } from '@app/storage/sql/mysql/mysql-dialect';
import { MysqlMessageStore } from '@app/storage/sql/mysql/mysql-message.store';
import { PostgresDialect } from '@app/storage/sql/postgres/postgres-dialect';
import { PostgresMessageStore } from '@app/storage/sql/postgres/postgres-message.store';
import { SqlClient } from '@app/storage/sql/sql-client';
import { sqlDialect } from '@app/storage/sql/sql-dialects';
import { SqlMessageStore } from '@app/storage/sql/sql-message.store';
import type { Run, SqlResult, SqlStatement } from '@app/storage/sql/sql-statement';

/** A database double: records every statement (and whether it ran in a transaction) and answers from a script. */
class ScriptedClient extends SqlClient {
  readonly sent: Array<{ sql: string; inTransaction: boolean }> = [];
  constructor(
    readonly target: SqlConnectionOptions,
    private readonly answer: (sql: string) => SqlResult,
  ) {
    super();
  }
  private run(statement: SqlStatement, inTransaction: boolean): Promise<SqlResult> {
    this.sent.push({ sql: statement.sql, inTransaction });
    return Promise.resolve(this.answer(statement.sql));
  }
  query(statement: SqlStatement): Promise<SqlResult> {
    return this.run(statement, false);
  }
  transaction<T>(work: (run: Run) => Promise<T>): Promise<T> {
    return work((statement) => this.run(statement, true));
  }
  async ping(): Promise<void> {}
  availability(): StorageAvailability {
    return { available: true, since: 0 };
  }
  reason(error: unknown): string {
    return String(error);
  }
}

const row = (id: string, seq: number) => ({
  queue: 'q',
  id,
  seq,
  status: 'INPROGRESS',
  request: '{}',
  result: null,
  error: null,
  dead_letter: null,
  attempts: 1,
  sent_by: null,
  created_at: 1,
  updated_at: 1,
  available_at: 1,
  lease_expires_at: 50,
  receipt: `r-${id}`,
  idempotency_key: null,
  group_id: null,
  sender_roles: null,
  dedup_id: null,
});

describe('sqlDialect', () => {
  it.each([
    ['postgres://u@h/db', PostgresDialect, PostgresMessageStore, 'postgres'],
    ['mysql://u@h/db', MysqlDialect, MysqlMessageStore, 'mysql'],
    ['mariadb://u@h/db', MysqlDialect, MysqlMessageStore, 'mariadb'],
    ['mssql://u@h/db', MssqlDialect, SqlMessageStore, 'mssql'],
  ] as const)('%s: its dialect class, its message store, its TypeORM driver', (url, dialectClass, storeClass, driver) => {
    const target = parseConnectionString(url);
    const dialect = sqlDialect(target.dialect);
    expect(dialect).toBeInstanceOf(dialectClass);
    expect(dialect.name).toBe(target.dialect);
    expect(Object.getPrototypeOf(dialect.messageStore(new ScriptedClient(target, () => ({ records: [], affected: 0 })), new SystemClock()))).toBe(
      storeClass.prototype,
    );
    expect(dialect.dataSourceOptions({} as never, {}, { poolSize: 1, connectTimeout: 1 }).type).toBe(driver);
  });
});

describe('SqlMessageStore on a dialect whose UPDATE returns the rows (as on SQL Server, which has no server in CI)', () => {
  const target = parseConnectionString('mssql://sa:x@h/db');

  it('claims with the one claim statement, outside a transaction, and answers in delivery order', async () => {
    const db = new ScriptedClient(target, () => ({ records: [row('b', 20), row('a', 10)], affected: 2 }));
    const store = new MssqlDialect().messageStore(db, new SystemClock());
    const claimed = await store.claim('q', { max: 5, now: 1, leaseExpiresAt: 50 });
    expect(claimed.map((m) => m.id)).toEqual(['a', 'b']);
    expect(db.sent).toEqual([{ sql: new MssqlDialect().claim('q', 1, 50, 5).sql, inTransaction: false }]);
  });

  it('settles with the one compare-and-set UPDATE … OUTPUT; no row back is RECEIPT_STALE when the message exists', async () => {
    const settled = new ScriptedClient(target, () => ({ records: [{ ...row('a', 10), status: 'COMPLETE', receipt: null }], affected: 1 }));
    const store = new MssqlDialect().messageStore(settled, new SystemClock());
    expect(await store.settle('q', 'a', 'r-a', { status: 'COMPLETE', now: 2, result: { ok: true } })).toMatchObject({ id: 'a', status: 'COMPLETE' });
    expect(settled.sent.map((s) => s.sql.slice(0, 30))).toEqual(['UPDATE mailroom_messages SET s']);
    expect(settled.sent[0].sql).toContain(' OUTPUT inserted.queue');

    const stale = new ScriptedClient(target, (sql) => (sql.startsWith('SELECT') ? { records: [row('a', 10)], affected: 0 } : { records: [], affected: 0 }));
    await expect(new MssqlDialect().messageStore(stale, new SystemClock()).settle('q', 'a', 'old', { status: 'COMPLETE', now: 2 })).rejects.toMatchObject({
      code: 'RECEIPT_STALE',
    });
  });
});

describe('MysqlMessageStore', () => {
  it('claims in one transaction: the locking SELECT, then the UPDATE that leases what it returned', async () => {
    const db = new ScriptedClient(parseConnectionString('mariadb://u@h/db'), (sql) =>
      sql.startsWith('SELECT') ? { records: [row('a', 10)], affected: 0 } : { records: [], affected: 1 },
    );
    const claimed = await new MysqlDialect('mariadb').messageStore(db, new SystemClock()).claim('q', { max: 5, now: 1, leaseExpiresAt: 50 });
    expect(claimed).toMatchObject([{ id: 'a', status: 'INPROGRESS', attempts: 2, leaseExpiresAt: 50 }]);
    expect(db.sent.map((s) => [s.sql.split(' ')[0], s.inTransaction])).toEqual([
      ['SELECT', true],
      ['UPDATE', true],
    ]);
    expect(db.sent[1].sql).toContain(`receipt = CASE id WHEN ? THEN ? END`);
  });
});
