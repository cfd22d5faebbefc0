import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { Clock } from '@app/common/clock';
import { CatalogStore } from '@app/storage/ports/catalog.store';
import { GrantStore } from '@app/storage/ports/grant.store';
import { LeaderLock, SoleProcessLeader } from '@app/storage/ports/leader-lock';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';
import { FilesystemCatalogStore } from '@app/storage/filesystem/filesystem-catalog.store';
import { FilesystemGrantStore } from '@app/storage/filesystem/filesystem-grant.store';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import { StorageService } from '@app/storage/storage.service';

@Module({
  providers: [
    {
      provide: FilesystemMessageStore,
      inject: [APP_CONFIG, Clock],
      useFactory: (config: AppConfig, clock: Clock) => new FilesystemMessageStore(config.dataDir, clock),
    },
    {
      provide: SqlConnections,
      inject: [APP_CONFIG, Clock],
      useFactory: (config: AppConfig, clock: Clock) => new SqlConnections(config, clock),
    },
    {
      provide: CatalogStore,
      inject: [APP_CONFIG, SqlConnections],
      useFactory: async (config: AppConfig, sql: SqlConnections) =>
        config.databaseUrl ? sql.catalogStore(config.databaseUrl) : FilesystemCatalogStore.open(config.dataDir),
    },
    {
      provide: GrantStore,
      inject: [APP_CONFIG, SqlConnections],
      useFactory: async (config: AppConfig, sql: SqlConnections) =>
        config.databaseUrl ? sql.grantStore(config.databaseUrl) : FilesystemGrantStore.open(config.dataDir),
    },
    {
      provide: LeaderLock,
      inject: [APP_CONFIG, SqlConnections],
      useFactory: async (config: AppConfig, sql: SqlConnections) =>
        config.databaseUrl ? sql.leaderLock(config.databaseUrl, 'queue-gauges') : new SoleProcessLeader(),
    },
    StorageService,
  ],
  exports: [StorageService, CatalogStore, GrantStore, LeaderLock],
})
export class StorageModule {}
