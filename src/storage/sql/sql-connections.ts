import { Logger } from '@nestjs/common';
import type { AppConfig } from '@app/config/app.config';
import { Clock, SystemClock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import { maskConnectionString } from '@app/common/secrets';
import type { CatalogStore } from '@app/storage/ports/catalog.store';
import type { GrantStore } from '@app/storage/ports/grant.store';
import type { MessageStore } from '@app/storage/ports/message.store';
import {
  assertHostAllowed,
  hostOf,
  parseConnectionString,
  resolvePlaceholders,
  unfill,
  type FilledPlaceholder,
  type SqlConnectionOptions,
} from '@app/storage/sql/connection-string';
import { DEFAULT_POOL_SIZE, SqlDatabase } from '@app/storage/sql/sql-database';
import { SqlCatalogStore } from '@app/storage/sql/sql-catalog.store';
import { SqlGrantStore } from '@app/storage/sql/sql-grant.store';
import { SqlLeaderLock } from '@app/storage/sql/sql-leader-lock';

interface Target {
  /** the resolved connection string: one pool per key */
  key: string;
  options: SqlConnectionOptions;
  /** the template, password masked */
  label: string;
  /** DATABASE_URL: set by the operator, not a template, not subject to the allowlist and the pool limits */
  trusted: boolean;
  where: string;
  filled: FilledPlaceholder[];
}

/**
 * The SQL connections of the process: one pooled DataSource per distinct resolved connection
 * string, shared by every queue (and the catalog) that uses it, created on first use and
 * closed when the last queue using it is deleted, or on shutdown. Connection strings of queues
 * are templates: their `${MAILROOM_SQL__X}` placeholders are filled from the config, they pass
 * the SSRF allowlist and the pool limits before any connection is attempted, and every message
 * about them shows the template, never a filled-in value. DATABASE_URL (set by the operator) is
 * trusted and taken as written.
 */
export class SqlConnections {
  private readonly logger = new Logger('SqlConnections');
  private readonly databases = new Map<string, SqlDatabase>();
  private readonly stores = new Map<string, MessageStore>();
  private readonly storesByRaw = new Map<string, MessageStore>();
  private catalog: SqlCatalogStore | null = null;
  private grants: SqlGrantStore | null = null;
  private leader: SqlLeaderLock | null = null;
  private databaseUrlTarget: SqlConnectionOptions | null | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock = new SystemClock(),
  ) {}

  private databaseUrl(): SqlConnectionOptions | null {
    if (this.databaseUrlTarget === undefined) {
      this.databaseUrlTarget = this.config.databaseUrl ? parseConnectionString(this.config.databaseUrl) : null;
    }
    return this.databaseUrlTarget;
  }

  /** Fills the placeholders, parses and (unless it is DATABASE_URL) applies the allowlist and the pool size cap. No I/O. */
  private target(raw: string): Target {
    const label = maskConnectionString(raw);
    if (this.config.databaseUrl !== null && raw === this.config.databaseUrl) {
      const options = parseConnectionString(raw);
      return { key: raw, options, label, trusted: true, where: `${options.host}:${options.port}`, filled: [] };
    }
    const resolved = resolvePlaceholders(raw, this.config.sqlPlaceholders);
    const hostFromPlaceholder = hostOf(raw).includes('${');
    try {
      const options = parseConnectionString(resolved.text);
      assertHostAllowed(options, this.config.sqlAllowedHosts, this.databaseUrl(), hostFromPlaceholder ? `of ${label}` : undefined);
      const max = this.config.sqlMaxPoolSize;
      if (options.options.poolsize !== undefined && Number(options.options.poolsize) > max) {
        throw new DomainError('SQL_POOL_SIZE_TOO_LARGE', `poolSize may be at most ${max} (SQL_MAX_POOL_SIZE)`);
      }
      options.options.poolsize ??= String(Math.min(DEFAULT_POOL_SIZE, max));
      return {
        key: resolved.text,
        options,
        label,
        trusted: false,
        where: hostFromPlaceholder ? hostOf(raw) : `${options.host}:${options.port}`,
        filled: resolved.filled,
      };
    } catch (error) {
      if (error instanceof DomainError && resolved.filled.length) throw new DomainError(error.code, unfill(error.message, resolved.filled));
      throw error;
    }
  }

  private database(target: Target): SqlDatabase {
    let db = this.databases.get(target.key);
    if (!db) {
      if (!target.trusted && this.databases.size >= this.config.sqlMaxPools) {
        throw new DomainError(
          'SQL_POOL_LIMIT_REACHED',
          `${this.databases.size} SQL connection pools are open, the most SQL_MAX_POOLS allows: use a connection string that is already in use, or delete the queues of another one`,
        );
      }
      db = new SqlDatabase(target.options, target.label, this.config.migrationsRun, undefined, { where: target.where, filled: target.filled });
      this.databases.set(target.key, db);
    }
    return db;
  }

  /** The DATABASE_URL database, connected and migrated (the start fails, without credentials, if it cannot be). */
  private async catalogDatabase(raw: string): Promise<SqlDatabase> {
    const db = this.database(this.target(raw));
    try {
      await db.ready();
    } catch (error) {
      throw new Error(`Cannot use DATABASE_URL ${maskConnectionString(raw)}: ${db.reason(error)}`);
    }
    return db;
  }

  async catalogStore(url: string): Promise<CatalogStore> {
    this.catalog ??= new SqlCatalogStore(await this.catalogDatabase(url));
    return this.catalog;
  }

  async grantStore(url: string): Promise<GrantStore> {
    this.grants ??= new SqlGrantStore(await this.catalogDatabase(url));
    return this.grants;
  }

  /** The lock electing one replica per catalog (its name carries the database and schema: lock names are server-wide). */
  async leaderLock(url: string, purpose: string): Promise<SqlLeaderLock> {
    const db = await this.catalogDatabase(url);
    this.leader ??= new SqlLeaderLock(db, `mailroom:${purpose}:${db.target.database ?? ''}:${db.target.options.schema ?? ''}`.slice(0, 64));
    return this.leader;
  }

  /** The store of a connection string; it connects on first use. Throws the allowlist/option errors at once. */
  messageStore(url: string): MessageStore {
    const cached = this.storesByRaw.get(url);
    if (cached) return cached;
    const target = this.target(url);
    let store = this.stores.get(target.key);
    if (!store) {
      const db = this.database(target);
      store = db.dialect.messageStore(db, this.clock);
      this.stores.set(target.key, store);
    }
    this.storesByRaw.set(url, store);
    return store;
  }

  /** Why a connection string cannot be used (placeholders, options, allowlist, pool size; template only), or null. No I/O. */
  problem(url: string): string | null {
    try {
      this.target(url);
      return null;
    } catch (error) {
      if (error instanceof DomainError) return `${error.code}: ${error.message}`;
      throw error;
    }
  }

  /** Allowlist and options first (no connection attempted), then a real connection: CONNECTION_FAILED with the reason. */
  async verify(url: string): Promise<void> {
    const target = this.target(url);
    const known = this.databases.has(target.key);
    const db = this.database(target);
    try {
      await db.ready();
      await db.ping();
    } catch (error) {
      if (!known && !this.stores.has(target.key)) {
        this.databases.delete(target.key);
        await db.close();
      }
      const reason = error instanceof DomainError ? error.message : db.reason(error);
      throw new DomainError('CONNECTION_FAILED', `Cannot connect to ${target.label}: ${reason}`);
    }
  }

  messageStores(): MessageStore[] {
    return [...this.stores.values()];
  }

  /** Open connection pools (DATABASE_URL's included). */
  get poolCount(): number {
    return this.databases.size;
  }

  /**
   * Closes the pool of a deleted queue's connection string unless DATABASE_URL or one of
   * `stillUsed` (the connection strings of the remaining queues) resolves to the same database.
   */
  async release(raw: string, stillUsed: readonly string[]): Promise<void> {
    const key = this.keyOf(raw);
    if (key === null || !this.databases.has(key)) return;
    if (this.config.databaseUrl !== null && key === this.keyOf(this.config.databaseUrl)) return;
    if (stillUsed.some((other) => this.keyOf(other) === key)) return;
    const db = this.databases.get(key)!;
    const store = this.stores.get(key);
    this.databases.delete(key);
    this.stores.delete(key);
    for (const [other, cached] of this.storesByRaw) if (cached === store) this.storesByRaw.delete(other);
    await store?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    this.logger.log({ database: db.label }, 'closed a connection pool: no queue uses it any more');
  }

  private keyOf(raw: string): string | null {
    try {
      return this.target(raw).key;
    } catch {
      return null;
    }
  }

  async closeAll(): Promise<void> {
    await this.leader?.release();
    const databases = [...this.databases.values()];
    await Promise.all([...this.stores.values()].map((store) => store.close()));
    await Promise.all(databases.map((db) => db.close()));
    this.stores.clear();
    this.storesByRaw.clear();
    this.databases.clear();
    if (databases.length) this.logger.log({ pools: databases.length }, 'closed the SQL connection pools');
  }
}
