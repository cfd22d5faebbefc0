import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import type { QueueDefinition } from '@app/storage/ports/catalog.types';
import type { MessageStore } from '@app/storage/ports/message.store';
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
   * Checks that a queue's storage can be used before the definition is stored:
   * the connection string is allowed and the database answers (CONNECTION_FAILED otherwise).
   */
  async verify(definition: Pick<QueueDefinition, 'storageEngine' | 'connectionString'>): Promise<void> {
    if (definition.storageEngine === 'filesystem') return;
    await this.sql.verify(this.sqlConnectionString(definition));
  }

  /** Every store in use, for readiness. */
  stores(): MessageStore[] {
    return [this.filesystem, ...this.sql.messageStores()];
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
