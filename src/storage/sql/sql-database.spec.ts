import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { parseConnectionString, resolvePlaceholders } from '@app/storage/sql/connection-string';
import { MssqlDialect } from '@app/storage/sql/mssql/mssql-dialect';
import { PostgresDialect } from '@app/storage/sql/postgres/postgres-dialect';
import { dataSourceOptions, SqlDatabase } from '@app/storage/sql/sql-database';

Logger.overrideLogger(false);

/** A DataSource double that records what the migration lock does on its dedicated runner. */
function fakeDataSource(log: string[]): DataSource {
  const runner = {
    isTransactionActive: false,
    connect: async () => log.push('connect'),
    startTransaction: async () => {
      runner.isTransactionActive = true;
      log.push('begin');
    },
    commitTransaction: async () => {
      runner.isTransactionActive = false;
      log.push('commit');
    },
    query: async (sql: string) => log.push(sql),
    release: async () => log.push('release'),
  };
  return { createQueryRunner: () => runner, runMigrations: async () => (log.push('migrations'), []) } as unknown as DataSource;
}

async function migrateWith(url: string): Promise<string[]> {
  const log: string[] = [];
  const db = new SqlDatabase(parseConnectionString(url), url, true);
  await (db as unknown as { migrate(ds: DataSource): Promise<void> }).migrate(fakeDataSource(log));
  return log;
}

describe('SqlDatabase migration lock', () => {
  it('mssql: the applock is owned by a transaction on the runner (TypeORM pins a connection only then)', async () => {
    expect(await migrateWith('mssql://sa:x@h/db')).toEqual([
      'connect',
      'begin',
      new MssqlDialect().migrationLockSql.acquire,
      'migrations',
      'commit',
      'release',
    ]);
    expect(new MssqlDialect().migrationLockSql.acquire).toContain("@LockOwner = 'Transaction'");
  });

  it('postgres and mariadb: a session lock taken and released on one connection around the migrations', async () => {
    expect(await migrateWith('postgres://u@h/db')).toEqual([
      'connect',
      new PostgresDialect().migrationLockSql.acquire,
      'migrations',
      new PostgresDialect().migrationLockSql.release,
      'release',
    ]);
    expect(await migrateWith('mariadb://u@h/db')).toEqual(['connect', 'SELECT GET_LOCK(?, 60)', 'migrations', 'SELECT RELEASE_LOCK(?)', 'release']);
  });
});

describe('dataSourceOptions', () => {
  it('passes only the parsed parts to the driver, with safe defaults', () => {
    const pg = dataSourceOptions(parseConnectionString('postgres://u:p@h:6000/db?schema=s1&sslmode=require&poolSize=5')) as unknown as Record<string, any>;
    expect(pg).toMatchObject({
      type: 'postgres',
      host: 'h',
      port: 6000,
      username: 'u',
      password: 'p',
      database: 'db',
      schema: 's1',
      poolSize: 5,
      synchronize: false,
      migrationsRun: false,
      ssl: { rejectUnauthorized: false },
    });
    expect(pg.extra).toMatchObject({ options: '-c search_path=s1' });
    const my = dataSourceOptions(parseConnectionString('mysql://root@h/db')) as unknown as Record<string, any>;
    expect(my).toMatchObject({ type: 'mysql', multipleStatements: false, flags: ['-LOCAL_FILES'], synchronize: false });
    const ms = dataSourceOptions(parseConnectionString('mssql://sa:x@h/db?trustServerCertificate=true')) as unknown as Record<string, any>;
    expect(ms).toMatchObject({ type: 'mssql', options: { encrypt: true, trustServerCertificate: true } });
  });
});

describe('SqlDatabase availability', () => {
  afterEach(() => jest.useRealTimers());

  it('turns unavailable on a connection failure, is pinged every 5 s while down, and turns available on the first success', async () => {
    jest.useFakeTimers();
    let now = 1_000;
    const db = new SqlDatabase(parseConnectionString('mysql://app@127.0.0.1:3306/db'), 'mysql://app@127.0.0.1:3306/db', false, () => now);
    const runner = { query: jest.fn(async () => ({ records: [{ ok: 1 }], affected: 0 })), release: async () => undefined };
    const ready = jest.spyOn(db, 'ready').mockRejectedValue(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }));
    expect(db.availability()).toEqual({ available: true, since: 1_000 });

    now = 2_000;
    await expect(db.query({ sql: 'SELECT 1', params: [] })).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(db.availability()).toEqual({ available: false, since: 2_000 });
    now = 3_000;
    await expect(db.query({ sql: 'SELECT 1', params: [] })).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(db.availability().since).toBe(2_000);

    ready.mockResolvedValue({ options: { type: 'mysql' }, createQueryRunner: () => runner } as unknown as DataSource);
    now = 7_000;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(runner.query).toHaveBeenCalled();
    expect(db.availability()).toEqual({ available: true, since: 7_000 });
    runner.query.mockClear();
    await jest.advanceTimersByTimeAsync(15_000);
    expect(runner.query).not.toHaveBeenCalled();
    await db.close();
  });

  it('a statement that fails for another reason leaves it available', async () => {
    const db = new SqlDatabase(parseConnectionString('mysql://app@127.0.0.1:3306/db'), 'mysql://app@127.0.0.1:3306/db', false);
    const runner = { query: async () => Promise.reject(Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' })), release: async () => undefined };
    jest.spyOn(db, 'ready').mockResolvedValue({ options: { type: 'mysql' }, createQueryRunner: () => runner } as unknown as DataSource);
    await expect(db.query({ sql: 'INSERT', params: [] })).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(db.availability().available).toBe(true);
  });
});

describe('SqlDatabase errors', () => {
  const resolved = resolvePlaceholders('postgres://u:${MAILROOM_SQL__PW}@${MAILROOM_SQL__HOST}:5432/db?schema=${MAILROOM_SQL__SCHEMA}', {
    PW: 'pw-canary',
    HOST: 'Host-Canary.example',
    SCHEMA: 'schema_canary',
  });
  const db = new SqlDatabase(parseConnectionString(resolved.text), 'label', false, undefined, { where: '${MAILROOM_SQL__HOST}:5432', filled: resolved.filled });
  afterAll(() => db.close());

  it('show the placeholders instead of the values they were filled with, for connection and statement errors alike', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED host-canary.example:5432 (password pw-canary)'), { code: 'ECONNREFUSED' });
    const unavailable = db.mapError(refused) as Error;
    expect(unavailable).toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      message: 'The database ${MAILROOM_SQL__HOST}:5432 is unavailable: connect ECONNREFUSED ${MAILROOM_SQL__HOST}:5432 (password ***)',
    });
    const failed = db.mapError(new Error('relation "schema_canary.mailroom_messages" does not exist')) as Error;
    expect(failed.message).toBe('relation "${MAILROOM_SQL__SCHEMA}.mailroom_messages" does not exist');
    expect(failed.stack).not.toContain('canary');
  });
});
