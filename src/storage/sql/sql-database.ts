import { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import { DomainError } from '@app/common/domain-error';
import { redact, unfill, type FilledPlaceholder, type SqlConnectionOptions } from '@app/storage/sql/connection-string';
import { CATALOG_ENTITIES } from '@app/storage/sql/catalog.entities';
import { SQL_MIGRATIONS } from '@app/storage/sql/migrations/sql-migrations';
import { SqlText, type SqlStatement } from '@app/storage/sql/sql-dialect';
import { PgPreparedStatements } from '@app/storage/sql/postgres/pg-prepared';
import { isConnectionError, isMissingSchemaError, safeReason } from '@app/storage/sql/sql-errors';
import type { StorageAvailability } from '@app/storage/ports/message.store';

export interface SqlResult {
  records: Array<Record<string, unknown>>;
  affected: number;
}

export type Run = (statement: SqlStatement) => Promise<SqlResult>;

const CONNECT_TIMEOUT_MS = 5000;
const PING_TIMEOUT_MS = 3000;
/** While a database is unavailable it is pinged this often, so its state recovers without traffic. */
const RECHECK_MS = 5000;
const MIGRATION_LOCK = 'mailroom_migrations';
const MYSQL_LOCK = { acquire: 'SELECT GET_LOCK(?, 60)', release: 'SELECT RELEASE_LOCK(?)' };
export const MIGRATION_LOCK_SQL: Record<SqlConnectionOptions['dialect'], { acquire: string; release: string }> = {
  postgres: { acquire: 'SELECT pg_advisory_lock(hashtext($1))', release: 'SELECT pg_advisory_unlock(hashtext($1))' },
  mysql: MYSQL_LOCK,
  mariadb: MYSQL_LOCK,
  mssql: { acquire: `EXEC sp_getapplock @Resource = @0, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 60000`, release: '' },
};

function ssl(options: Record<string, string>): boolean | { rejectUnauthorized: boolean } | undefined {
  const mode = (options.sslmode ?? '').toLowerCase();
  if (mode === 'disable' || options.ssl === 'false') return false;
  if (mode === 'verify-ca' || mode === 'verify-full') return { rejectUnauthorized: true };
  if (mode === 'require' || mode === 'no-verify' || mode === 'prefer' || options.ssl === 'true') return { rejectUnauthorized: false };
  return undefined;
}

export const DEFAULT_POOL_SIZE = 10;

/** TypeORM options built from the parsed parts only, so nothing else in the string can reach the driver. */
export function dataSourceOptions(target: SqlConnectionOptions): DataSourceOptions {
  const o = target.options;
  const poolSize = o.poolsize ? Number(o.poolsize) : DEFAULT_POOL_SIZE;
  const connectTimeout = Number(o.connect_timeout ?? o.connecttimeout ?? 0) * (o.connect_timeout ? 1000 : 1) || CONNECT_TIMEOUT_MS;
  const common = {
    host: target.host,
    port: target.port,
    username: target.username ?? undefined,
    password: target.password ?? undefined,
    database: target.database ?? undefined,
    entities: CATALOG_ENTITIES,
    migrations: SQL_MIGRATIONS,
    migrationsTableName: 'mailroom_migrations',
    migrationsTransactionMode: 'each' as const,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  };
  switch (target.dialect) {
    case 'postgres':
      return {
        ...common,
        type: 'postgres',
        schema: o.schema,
        applicationName: o.application_name ?? 'mailroom',
        ssl: ssl(o),
        connectTimeoutMS: connectTimeout,
        poolSize,
        extra: { keepAlive: true, idleTimeoutMillis: 30000, ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}) },
      };
    case 'mysql':
    case 'mariadb':
      return {
        ...common,
        type: target.dialect,
        charset: o.charset ?? 'utf8mb4_bin',
        timezone: o.timezone ?? 'Z',
        connectTimeout,
        poolSize,
        ssl: ssl(o) || undefined,
        multipleStatements: false,
        flags: ['-LOCAL_FILES'],
        extra: { enableKeepAlive: true },
      };
    case 'mssql':
      return {
        ...common,
        type: 'mssql',
        connectionTimeout: connectTimeout,
        pool: { max: poolSize, min: 0 },
        options: {
          encrypt: o.encrypt ? o.encrypt === 'true' : true,
          trustServerCertificate: o.trustservercertificate === 'true',
        },
      };
  }
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split(/[.-]/).map((n) => Number.parseInt(n, 10));
  return a > major || (a === major && (b || 0) >= minor);
}

/**
 * One pooled TypeORM DataSource per distinct connection string: created lazily, migrated
 * (under a database lock so replicas starting together do not race), reconnecting by itself
 * (the driver pools replace broken connections), closed on shutdown.
 */
export class SqlDatabase {
  readonly text: SqlText;
  /**
   * postgres: statements with a name are prepared on each connection (skipping the parse and
   * plan that otherwise cost more server CPU than running them). `preparedStatements=false` in
   * the connection string turns this off, for poolers that hand a session's statements to other
   * clients (PgBouncer in transaction mode before 1.21).
   */
  private readonly prepared: PgPreparedStatements | null;
  private readonly logger = new Logger('SqlDatabase');
  private dataSource: DataSource | null = null;
  private starting: Promise<DataSource> | null = null;
  private closed = false;
  private health: StorageAvailability;
  private recheck: NodeJS.Timeout | null = null;

  constructor(
    readonly target: SqlConnectionOptions,
    readonly label: string,
    private readonly runMigrations: boolean,
    private readonly now: () => number = Date.now,
    /** how messages show the database: its `host:port` and the values its placeholders were filled with (shown as the placeholders) */
    private readonly shown: { where?: string; filled?: readonly FilledPlaceholder[] } = {},
  ) {
    this.health = { available: true, since: now() };
    this.text = new SqlText(target.dialect);
    this.prepared = target.dialect === 'postgres' && target.options.preparedstatements !== 'false' ? new PgPreparedStatements(now) : null;
  }

  get secrets(): Array<string | null> {
    return [this.target.password];
  }

  /** Resolves once connected (and migrated); a failure is retried on the next call. */
  ready(): Promise<DataSource> {
    if (this.dataSource?.isInitialized) return Promise.resolve(this.dataSource);
    if (this.closed) return Promise.reject(new DomainError('STORAGE_UNAVAILABLE', `The database ${this.where} is closed`));
    if (!this.starting) {
      this.starting = this.start().then(
        (ds) => {
          this.dataSource = ds;
          this.starting = null;
          return ds;
        },
        (error) => {
          this.starting = null;
          throw error;
        },
      );
    }
    return this.starting;
  }

  get initialized(): boolean {
    return this.dataSource?.isInitialized ?? false;
  }

  get where(): string {
    return this.shown.where ?? `${this.target.host}:${this.target.port}`;
  }

  /** A driver error as it may be shown: no password, no value filled in from a placeholder. */
  reason(error: unknown): string {
    return unfill(safeReason(error, this.secrets), this.shown.filled ?? []);
  }

  private async start(): Promise<DataSource> {
    const ds = new DataSource(dataSourceOptions(this.target));
    await ds.initialize();
    try {
      await this.checkServer(ds);
      if (this.runMigrations) await this.migrate(ds);
      else await this.warnIfBehind(ds);
    } catch (error) {
      await ds.destroy().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await ds.destroy().catch(() => undefined);
      throw new DomainError('STORAGE_UNAVAILABLE', `The database ${this.where} is closed`);
    }
    this.logger.log(`connected to ${this.label}`);
    return ds;
  }

  /** SKIP LOCKED needs MySQL 8.0 / MariaDB 10.6; gen_random_uuid() needs PostgreSQL 13. */
  private async checkServer(ds: DataSource): Promise<void> {
    if (this.text.isMysqlFamily) {
      const [row] = await ds.query<Array<{ v: string }>>('SELECT VERSION() AS v');
      const version = String(row.v);
      const mariadb = /mariadb/i.test(version);
      if (mariadb ? !versionAtLeast(version, 10, 6) : !versionAtLeast(version, 8, 0)) {
        throw new Error(`${mariadb ? 'MariaDB' : 'MySQL'} ${version} is too old: Mailroom needs MySQL 8.0 or MariaDB 10.6 (FOR UPDATE SKIP LOCKED)`);
      }
    } else if (this.text.isPostgres) {
      const [row] = await ds.query<Array<{ server_version_num: string }>>('SHOW server_version_num');
      if (Number(row.server_version_num) < 130000) throw new Error('PostgreSQL 13 or newer is needed');
    }
  }

  /**
   * Runs pending migrations while holding a database-wide lock on one dedicated connection.
   * postgres and mysql/mariadb: a session lock on the runner's connection. mssql: TypeORM's
   * runner only pins a connection inside a transaction, so the applock is owned by one.
   */
  private async migrate(ds: DataSource): Promise<void> {
    const lock = ds.createQueryRunner();
    await lock.connect();
    const statements = MIGRATION_LOCK_SQL[this.target.dialect];
    try {
      if (this.text.isMssql) await lock.startTransaction();
      await lock.query(statements.acquire, [MIGRATION_LOCK]);
      const applied = await ds.runMigrations({ transaction: 'each' });
      if (applied.length) this.logger.log(`applied migrations ${applied.map((m) => m.name).join(', ')} on ${this.label}`);
    } finally {
      try {
        if (this.text.isMssql) {
          if (lock.isTransactionActive) await lock.commitTransaction();
        } else {
          await lock.query(statements.release, [MIGRATION_LOCK]);
        }
      } finally {
        await lock.release();
      }
    }
  }

  /** MIGRATIONS_RUN=false: the schema is somebody else's job, but say so when it is behind. */
  private async warnIfBehind(ds: DataSource): Promise<void> {
    const pending = await ds.showMigrations().catch(() => true);
    if (pending) this.logger.warn(`${this.label} has pending migrations and MIGRATIONS_RUN=false: run npm run migrate`);
  }

  /** Whether the database answered its last use (a failed connection makes it unavailable until one succeeds). */
  availability(): StorageAvailability {
    return this.health;
  }

  private up(): void {
    if (this.health.available) return;
    this.health = { available: true, since: this.now() };
    if (this.recheck) clearInterval(this.recheck);
    this.recheck = null;
    this.logger.log(`${this.label} is available again`);
  }

  /** The reason goes to the log only (free of credentials); callers get STORAGE_UNAVAILABLE. */
  private down(error: DomainError): DomainError {
    if (error.code !== 'STORAGE_UNAVAILABLE' || this.closed || !this.health.available) return error;
    this.health = { available: false, since: this.now() };
    this.logger.warn(`${this.label}: ${error.message}; checking again every ${RECHECK_MS / 1000} s`);
    this.recheck = setInterval(() => void this.ping().catch(() => undefined), RECHECK_MS);
    this.recheck.unref();
    return error;
  }

  /**
   * Connection errors become STORAGE_UNAVAILABLE (503) with a reason free of credentials. So do
   * missing tables (the database was dropped and created again): with MIGRATIONS_RUN the
   * connection is then set up again, which runs the migrations.
   */
  mapError(error: unknown): unknown {
    if (error instanceof DomainError) return this.down(error);
    if (isConnectionError(error)) {
      return this.down(new DomainError('STORAGE_UNAVAILABLE', `The database ${this.where} is unavailable: ${this.reason(error)}`));
    }
    if (error instanceof Error) {
      const clean = (text: string) => unfill(redact(text, this.secrets), this.shown.filled ?? []);
      error.message = clean(error.message);
      if (error.stack) error.stack = clean(error.stack);
    }
    if (isMissingSchemaError(error)) {
      if (this.runMigrations) this.reconnect();
      return this.down(new DomainError('STORAGE_UNAVAILABLE', `The database ${this.where} has lost Mailroom's tables: ${safeReason(error, this.secrets)}`));
    }
    return error;
  }

  /** Drops the current DataSource; the next use connects (and migrates) again. */
  private reconnect(): void {
    const ds = this.dataSource;
    if (!ds) return;
    this.dataSource = null;
    ds.destroy().catch(() => undefined);
  }

  private async connected(): Promise<DataSource> {
    try {
      return await this.ready();
    } catch (error) {
      if (error instanceof DomainError) throw this.down(error);
      throw this.down(new DomainError('STORAGE_UNAVAILABLE', `The database ${this.where} is unavailable: ${this.reason(error)}`));
    }
  }

  /**
   * The message hot path. On postgres it goes straight to the pool TypeORM created (its
   * QueryRunner costs about 0.1 ms of CPU per statement, more than the statement itself);
   * the other dialects use a TypeORM QueryRunner.
   */
  async query(statement: SqlStatement): Promise<SqlResult> {
    const ds = await this.connected();
    const pool = pgPool(ds);
    if (pool) {
      try {
        const result =
          statement.name && this.prepared
            ? await this.prepared.query(pool, statement.name, statement.sql, statement.params)
            : await pool.query(statement.sql, statement.params);
        this.up();
        return { records: (result.rows ?? []) as Record<string, unknown>[], affected: result.rowCount ?? 0 };
      } catch (error) {
        throw this.mapError(error);
      }
    }
    const runner = ds.createQueryRunner();
    try {
      const result = await exec(runner, statement);
      this.up();
      return result;
    } catch (error) {
      throw this.mapError(error);
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  /**
   * Runs `work` in one transaction on one connection; rolled back if it throws. A transaction
   * chosen as a deadlock victim (InnoDB under concurrent claims and inserts, mssql) was rolled
   * back entirely and is run again, at most three times.
   */
  async transaction<T>(work: (run: Run) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactionOnce(work);
      } catch (error) {
        if (attempt >= 3 || !isDeadlock(error)) throw error;
      }
    }
  }

  private async transactionOnce<T>(work: (run: Run) => Promise<T>): Promise<T> {
    const ds = await this.connected();
    const pool = pgPool(ds);
    if (pool) return this.pgTransaction(pool, work);
    const runner = ds.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      try {
        const out = await work((statement) => exec(runner, statement));
        await runner.commitTransaction();
        this.up();
        return out;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      throw this.mapError(error);
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  private async pgTransaction<T>(pool: Pool, work: (run: Run) => Promise<T>): Promise<T> {
    let client: PoolClient | null = null;
    let broken = false;
    try {
      client = await pool.connect();
      const c = client;
      await c.query('BEGIN');
      try {
        const out = await work(async (statement) => {
          const result = await c.query(statement.sql, statement.params);
          return { records: (result.rows ?? []) as Record<string, unknown>[], affected: result.rowCount ?? 0 };
        });
        await c.query('COMMIT');
        this.up();
        return out;
      } catch (error) {
        await c.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
    } catch (error) {
      broken ||= isConnectionError(error);
      throw this.mapError(error);
    } finally {
      client?.release(broken);
    }
  }

  /** For repository-based adapters: the DataSource, with connection errors mapped. */
  async use<T>(work: (ds: DataSource) => Promise<T>): Promise<T> {
    const ds = await this.connected();
    try {
      const out = await work(ds);
      this.up();
      return out;
    } catch (error) {
      throw this.mapError(error);
    }
  }

  /** Readiness: a round trip, bounded so a database that stopped answering (no reset) reads as down. */
  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DomainError('STORAGE_UNAVAILABLE', `The database ${this.where} did not answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([this.query({ sql: this.text.ping(), params: [] }), timeout]);
    } catch (error) {
      throw this.mapError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.recheck) clearInterval(this.recheck);
    this.recheck = null;
    const starting = this.starting;
    if (starting) await starting.catch(() => undefined);
    const ds = this.dataSource;
    this.dataSource = null;
    if (ds?.isInitialized) await ds.destroy().catch(() => undefined);
  }
}

const DEADLOCK_CODES = new Set(['40P01', 'ER_LOCK_DEADLOCK', '1213', '1205']);

function isDeadlock(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown; number?: unknown; driverError?: { code?: unknown; errno?: unknown; number?: unknown } };
  return [e?.code, e?.errno, e?.number, e?.driverError?.code, e?.driverError?.errno, e?.driverError?.number].some(
    (c) => c !== undefined && DEADLOCK_CODES.has(String(c)),
  );
}

/** The pg Pool behind a postgres DataSource (TypeORM's driver keeps it as `master`). */
function pgPool(ds: DataSource): Pool | null {
  return ds.options.type === 'postgres' ? ((ds.driver as unknown as { master?: Pool }).master ?? null) : null;
}

async function exec(runner: QueryRunner, statement: SqlStatement): Promise<SqlResult> {
  const result = await runner.query(statement.sql, statement.params, true);
  return { records: (result.records ?? []) as Array<Record<string, unknown>>, affected: result.affected ?? 0 };
}
