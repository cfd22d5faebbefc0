import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config/app.config';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import { SqlDatabase } from '@app/storage/sql/sql-database';
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

    if (engine === 'postgres') {
      it('combines concurrent settlements into one statement (each still its own compare-and-set)', async () => {
        const { url, connections, clock, cleanup } = await open();
        const query = jest.spyOn(SqlDatabase.prototype, 'query');
        try {
          const store = connections.messageStore(url);
          const queue = `batch-${Date.now()}`;
          const now = clock.now();
          await store.insert(Array.from({ length: 30 }, (_, i) => ({ id: `m${i}`, queue, request: { i }, sentBy: null, createdAt: now, availableAt: now, idempotencyKey: null })));
          const leased = await store.claim(queue, { max: 30, now, leaseExpiresAt: now + 30_000 });
          query.mockClear();
          const outcomes = await Promise.allSettled(
            leased.map((m, i) => store.settle(queue, m.id, i === 7 ? 'stale' : m.receipt!, { status: 'COMPLETE', now, result: { i } })),
          );
          const settles = query.mock.calls.filter(([statement]) => statement.sql.startsWith('UPDATE mailroom_messages AS m'));
          expect(settles).toHaveLength(1);
          expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(29);
          expect(((outcomes[7] as PromiseRejectedResult).reason as { code: string }).code).toBe('RECEIPT_STALE');
          expect((await store.stats(queue)).counts).toEqual({ PENDING: 0, INPROGRESS: 1, COMPLETE: 29, ERROR: 0 });
        } finally {
          query.mockRestore();
          await cleanup();
        }
      });
    }

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
