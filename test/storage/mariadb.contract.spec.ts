import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config/app.config';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import { ManualClock } from '../support/app';
import { describeWithDatabase, isolatedDatabase } from '../support/databases';
import { catalogStoreContract, grantStoreContract, messageStoreContract } from './message-store.contract';

// the SQL classes log through Nest's static logger; the suites stay quiet
Logger.overrideLogger(false);

/** The storage contracts on mariadb, each in a schema/database of its own, through SqlConnections as the app uses it. */
async function open(clock = new ManualClock()) {
  const database = await isolatedDatabase('mariadb');
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
  const connections = new SqlConnections(config, clock);
  return {
    config,
    connections,
    clock,
    cleanup: async () => {
      await connections.closeAll();
      await database.drop();
    },
  };
}

describeWithDatabase('mariadb', 'SQL storage on mariadb', () => {
  messageStoreContract('sql (mariadb)', async () => {
    const { config, connections, clock, cleanup } = await open();
    const store = connections.messageStore(config.databaseUrl!);
    return { store, clock, cleanup };
  });

  catalogStoreContract('sql (mariadb)', async () => {
    const { config, connections, cleanup } = await open();
    return { store: await connections.catalogStore(config.databaseUrl!), cleanup };
  });

  grantStoreContract('sql (mariadb)', async () => {
    const { config, connections, cleanup } = await open();
    return { store: await connections.grantStore(config.databaseUrl!), cleanup };
  });
});
