import { Logger } from '@nestjs/common';
import type { AppConfig } from '@app/config/app.config';
import { Clock, SystemClock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import type { CatalogStore } from '@app/storage/ports/catalog.store';
import type { GrantStore } from '@app/storage/ports/grant.store';
import type { MessageStore } from '@app/storage/ports/message.store';
import {
  assertHostAllowed,
  maskConnectionString,
  parseConnectionString,
  resolvePlaceholders,
  type SqlConnectionOptions,
} from '@app/storage/sql/connection-string';
import { SqlDatabase } from '@app/storage/sql/sql-database';
import { SqlMessageStore } from '@app/storage/sql/sql-message.store';
import { SqlCatalogStore } from '@app/storage/sql/sql-catalog.store';
import { SqlGrantStore } from '@app/storage/sql/sql-grant.store';
import { safeReason } from '@app/storage/sql/sql-errors';

interface Target {
  key: string;
  options: SqlConnectionOptions;
  label: string;
}

/**
 * The SQL connections of the process: one pooled DataSource per distinct resolved connection
 * string, shared by every queue (and the catalog) that uses it, created on first use and
 * closed on shutdown. Connection strings of queues pass the SSRF allowlist before any
 * connection is attempted; DATABASE_URL (set by the operator) is trusted.
 */
export class SqlConnections {
  private readonly logger = new Logger('SqlConnections');
  private readonly databases = new Map<string, SqlDatabase>();
  private readonly stores = new Map<string, SqlMessageStore>();
  private readonly storesByRaw = new Map<string, SqlMessageStore>();
  private catalog: SqlCatalogStore | null = null;
  private grants: SqlGrantStore | null = null;
  private databaseUrlTarget: SqlConnectionOptions | null | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock = new SystemClock(),
  ) {}

  private databaseUrl(): SqlConnectionOptions | null {
    if (this.databaseUrlTarget === undefined) {
      this.databaseUrlTarget = this.config.databaseUrl ? parseConnectionString(resolvePlaceholders(this.config.databaseUrl)) : null;
    }
    return this.databaseUrlTarget;
  }

  /** Resolves placeholders, parses and (unless it is DATABASE_URL) applies the host allowlist. No I/O. */
  private target(raw: string): Target {
    const resolved = resolvePlaceholders(raw);
    const options = parseConnectionString(resolved);
    if (raw !== this.config.databaseUrl) assertHostAllowed(options, this.config.sqlAllowedHosts, this.databaseUrl());
    return { key: resolved, options, label: maskConnectionString(raw) };
  }

  private database(target: Target): SqlDatabase {
    let db = this.databases.get(target.key);
    if (!db) {
      db = new SqlDatabase(target.options, target.label, this.config.migrationsRun);
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
      throw new Error(`Cannot use DATABASE_URL ${maskConnectionString(raw)}: ${safeReason(error, db.secrets)}`);
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

  /** The store of a connection string; it connects on first use. Throws the allowlist/option errors at once. */
  messageStore(url: string): MessageStore {
    const cached = this.storesByRaw.get(url);
    if (cached) return cached;
    const target = this.target(url);
    let store = this.stores.get(target.key);
    if (!store) {
      store = new SqlMessageStore(this.database(target), this.clock);
      this.stores.set(target.key, store);
    }
    this.storesByRaw.set(url, store);
    return store;
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
      const reason = error instanceof DomainError ? error.message : safeReason(error, db.secrets);
      throw new DomainError('CONNECTION_FAILED', `Cannot connect to ${target.label}: ${reason}`);
    }
  }

  messageStores(): MessageStore[] {
    return [...this.stores.values()];
  }

  async closeAll(): Promise<void> {
    const databases = [...this.databases.values()];
    await Promise.all([...this.stores.values()].map((store) => store.close()));
    await Promise.all(databases.map((db) => db.close()));
    this.stores.clear();
    this.storesByRaw.clear();
    this.databases.clear();
    if (databases.length) this.logger.log(`closed ${databases.length} SQL connection pool(s)`);
  }
}
