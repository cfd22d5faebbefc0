import { Logger } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { DomainError } from '@app/common/domain-error';
import { redact, unfill, type FilledPlaceholder, type SqlConnectionOptions } from '@app/storage/sql/connection-string';
import { CATALOG_ENTITIES } from '@app/storage/sql/catalog.entities';
import { SQL_MIGRATIONS } from '@app/storage/sql/migrations/sql-migrations';
import { SqlClient } from '@app/storage/sql/sql-client';
import type { SqlDialect } from '@app/storage/sql/sql-dialect';
import { sqlDialect } from '@app/storage/sql/sql-dialects';
import type { SqlExecutor } from '@app/storage/sql/sql-executor';
import type { Run, SqlResult, SqlStatement } from '@app/storage/sql/sql-statement';
import { isConnectionError, isMissingSchemaError, safeReason } from '@app/storage/sql/sql-errors';
import type { StorageAvailability } from '@app/storage/ports/message.store';

const CONNECT_TIMEOUT_MS = 5000;
const PING_TIMEOUT_MS = 3000;
/** While a database is unavailable it is pinged this often, so its state recovers without traffic. */
const RECHECK_MS = 5000;
const MIGRATION_LOCK = 'mailroom_migrations';

export const DEFAULT_POOL_SIZE = 10;

/** TypeORM options built from the parsed parts only, so nothing else in the string can reach the driver. */
export function dataSourceOptions(target: SqlConnectionOptions): DataSourceOptions {
  const o = target.options;
  const poolSize = o.poolsize ? Number(o.poolsize) : DEFAULT_POOL_SIZE;
  const connectTimeout = Number(o.connect_timeout ?? o.connecttimeout ?? 0) * (o.connect_timeout ? 1000 : 1) || CONNECT_TIMEOUT_MS;
  const shared = {
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
  return sqlDialect(target.dialect).dataSourceOptions(shared, o, { poolSize, connectTimeout });
}

/**
 * One pooled TypeORM DataSource per distinct connection string: created lazily, migrated
 * (under a database lock so replicas starting together do not race), reconnecting by itself
 * (the driver pools replace broken connections), closed on shutdown.
 */
export class SqlDatabase extends SqlClient {
  readonly dialect: SqlDialect;
  private readonly executor: SqlExecutor;
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
    super();
    this.health = { available: true, since: now() };
    this.dialect = sqlDialect(target.dialect);
    this.executor = this.dialect.executor(target, now);
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
      await this.dialect.checkServer(ds);
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
    this.logger.log({ database: this.label }, 'connected to the database');
    return ds;
  }

  /** Runs pending migrations while holding a database-wide lock on one dedicated connection. */
  private async migrate(ds: DataSource): Promise<void> {
    const lock = ds.createQueryRunner();
    await lock.connect();
    try {
      await this.dialect.withMigrationLock(lock, MIGRATION_LOCK, async () => {
        const applied = await ds.runMigrations({ transaction: 'each' });
        if (applied.length) this.logger.log({ database: this.label, migrations: applied.map((m) => m.name) }, 'applied migrations');
      });
    } finally {
      await lock.release();
    }
  }

  /** MIGRATIONS_RUN=false: the schema is somebody else's job, but say so when it is behind. */
  private async warnIfBehind(ds: DataSource): Promise<void> {
    const pending = await ds.showMigrations().catch(() => true);
    if (pending) this.logger.warn({ database: this.label }, 'the database has pending migrations and MIGRATIONS_RUN=false: run npm run migrate');
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
    this.logger.log({ database: this.label }, 'the database is available again');
  }

  /** The reason goes to the log only (free of credentials); callers get STORAGE_UNAVAILABLE. */
  private down(error: DomainError): DomainError {
    if (error.code !== 'STORAGE_UNAVAILABLE' || this.closed || !this.health.available) return error;
    this.health = { available: false, since: this.now() };
    this.logger.warn(
      { database: this.label, reason: error.message, recheckSeconds: RECHECK_MS / 1000 },
      'the database is unavailable; checking again periodically',
    );
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

  /** Runs one statement, the way the dialect sends them (Postgres: straight to the pg pool, prepared). */
  async query(statement: SqlStatement): Promise<SqlResult> {
    const ds = await this.connected();
    try {
      const result = await this.executor.query(ds, statement);
      this.up();
      return result;
    } catch (error) {
      throw this.mapError(error);
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
    try {
      const out = await this.executor.transaction(ds, work);
      this.up();
      return out;
    } catch (error) {
      throw this.mapError(error);
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
      await Promise.race([this.query({ sql: this.dialect.ping(), params: [] }), timeout]);
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
