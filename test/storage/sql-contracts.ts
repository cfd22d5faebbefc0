import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config/app.config';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import { ManualClock } from '../support/time';
import { describeWithDatabase, isolatedDatabase, type TestDatabaseKind } from '../support/databases';
import { catalogStoreContract, grantStoreContract, messageStoreContract } from './message-store.contract';

/** The storage contracts on one SQL engine, each in a schema/database of its own, through SqlConnections as the app uses it. */
export function sqlStorageContracts(engine: TestDatabaseKind): void {
  // the SQL classes log through Nest's static logger; the suites stay quiet
  Logger.overrideLogger(false);

  async function open(clock = new ManualClock()) {
    const database = await isolatedDatabase(engine);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
    const connections = new SqlConnections(config, clock);
    const cleanup = async () => {
      await connections.closeAll();
      await database.drop();
    };
    return { url: database.url, connections, clock, cleanup };
  }

  describeWithDatabase(engine, `SQL storage on ${engine}`, () => {
    messageStoreContract(`sql (${engine})`, async () => {
      const { url, connections, clock, cleanup } = await open();
      return { store: connections.messageStore(url), clock, cleanup };
    });

    catalogStoreContract(`sql (${engine})`, async () => {
      const { url, connections, cleanup } = await open();
      return { store: await connections.catalogStore(url), cleanup };
    });

    grantStoreContract(`sql (${engine})`, async () => {
      const { url, connections, cleanup } = await open();
      return { store: await connections.grantStore(url), cleanup };
    });
  });
}
