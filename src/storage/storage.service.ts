import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import type { QueueDefinition } from '@app/domain/queue';
import type { MessageStore, StorageAvailability } from '@app/storage/ports/message.store';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import { DomainError } from '@app/common/domain-error';

/** Picks the MessageStore of a queue's storage engine. Adapters are created lazily and closed on shutdown. */
@Injectable()
export class StorageService implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly filesystem: FilesystemMessageStore,
    private readonly sql: SqlConnections,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.filesystem.open();
  }

  forQueue(definition: Pick<QueueDefinition, 'storageEngine' | 'connectionString'>): MessageStore {
    if (definition.storageEngine === 'filesystem') return this.filesystem;
    return this.sql.messageStore(this.sqlConnectionString(definition));
  }

  /**
   * Checks that a queue's storage can be used before the definition is stored: the engine is
   * allowed (STORAGE_ENGINES), the connection string is allowed and the database answers
   * (CONNECTION_FAILED otherwise).
   */
  async verify(definition: Pick<QueueDefinition, 'storageEngine' | 'connectionString'>): Promise<void> {
    if (!this.config.storageEngines.includes(definition.storageEngine)) {
      throw new DomainError(
        'STORAGE_ENGINE_NOT_ALLOWED',
        `storageEngine "${definition.storageEngine}" is not allowed here; allowed: ${this.config.storageEngines.join(', ')} (STORAGE_ENGINES)`,
      );
    }
    if (definition.storageEngine === 'filesystem') return;
    await this.sql.verify(this.sqlConnectionString(definition));
  }

  /** Why a queue's SQL connection string cannot be used (it names no value), or null. No I/O. */
  connectionProblem(definition: Pick<QueueDefinition, 'storageEngine' | 'connectionString'>): string | null {
    if (definition.storageEngine !== 'sql') return null;
    const connectionString = definition.connectionString ?? this.config.databaseUrl;
    return connectionString === null ? 'storageEngine "sql" needs a connectionString or DATABASE_URL' : this.sql.problem(connectionString);
  }

  /** Whether the queue's storage answered its last use (a store never used yet counts as available). */
  availability(definition: Pick<QueueDefinition, 'storageEngine' | 'connectionString'>): StorageAvailability {
    return this.forQueue(definition).availability();
  }

  /**
   * After a queue was deleted (or moved to other storage): releases what its storage held for it
   * alone. A SQL pool is closed once no queue in `remaining` (nor DATABASE_URL) uses its database.
   */
  async release(
    definition: Pick<QueueDefinition, 'storageEngine' | 'connectionString'>,
    remaining: ReadonlyArray<Pick<QueueDefinition, 'storageEngine' | 'connectionString'>>,
  ): Promise<void> {
    if (definition.storageEngine !== 'sql') return;
    const stillUsed = remaining
      .filter((other) => other.storageEngine === 'sql' && (other.connectionString ?? this.config.databaseUrl))
      .map((other) => this.sqlConnectionString(other));
    await this.sql.release(this.sqlConnectionString(definition), stillUsed);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sql.closeAll();
    await this.filesystem.close();
  }

  private sqlConnectionString(definition: Pick<QueueDefinition, 'connectionString'>): string {
    const connectionString = definition.connectionString ?? this.config.databaseUrl;
    if (!connectionString) {
      throw new DomainError('INVALID_QUEUE_DEFINITION', 'storageEngine "sql" needs a connectionString or DATABASE_URL');
    }
    return connectionString;
  }
}
