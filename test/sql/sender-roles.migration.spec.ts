import { DataSource } from 'typeorm';
import { SQL_MIGRATIONS } from '@app/storage/sql/migrations/sql-migrations';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config/app.config';
import { parseConnectionString } from '@app/storage/sql/connection-string';
import { dataSourceOptions } from '@app/storage/sql/sql-database';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import { ManualClock } from '../support/time';
import { describeWithDatabase, isolatedDatabase, type TestDatabaseKind } from '../support/databases';

const OLD_ID = '00000000-0000-4000-8000-000000000001';
const from = SQL_MIGRATIONS.findIndex((m) => m.name === 'SenderRoles1765200000000');

/** SenderRoles1765200000000 on a real server: a row stored before it reads with roles null; down drops the column, keeping the rows. */
function migrationSuite(kind: TestDatabaseKind): void {
  describeWithDatabase(kind, `SenderRoles migration on ${kind}`, () => {
    it('reads a row stored before the migration with senderRoles null, stores roles after it, and runs down and up again', async () => {
      Logger.overrideLogger(false);
      const database = await isolatedDatabase(kind);
      const ds = new DataSource(dataSourceOptions(parseConnectionString(database.url)));
      await ds.initialize();
      const connections = new SqlConnections(loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), new ManualClock());
      const p = (i: number) => (kind === 'postgres' ? `$${i + 1}` : '?');
      const hasColumn = async () =>
        Number(
          (
            await ds.query(
              `SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_NAME = 'mailroom_messages' AND COLUMN_NAME = 'sender_roles' AND ${kind === 'postgres' ? 'TABLE_SCHEMA = current_schema()' : 'TABLE_SCHEMA = DATABASE()'}`,
            )
          )[0].n,
        );
      try {
        expect((await ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual(SQL_MIGRATIONS.map((m) => m.name));
        // down to just before SenderRoles (the later migrations first)
        for (let i = from; i < SQL_MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
        expect(await hasColumn()).toBe(0);
        await ds.query(
          'INSERT INTO mailroom_messages (queue, id, seq, status, request, attempts, sent_by, created_at, updated_at, available_at) ' +
            `VALUES (${[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(p).join(', ')})`,
          ['old', OLD_ID, 1, 'PENDING', '{"n":1}', 0, 'alice', 1000, 1000, 1000],
        );

        const store = connections.messageStore(database.url);
        expect(await store.get('old', OLD_ID)).toMatchObject({ sentBy: 'alice', senderRoles: null, request: { n: 1 } });
        expect(await hasColumn()).toBe(1);
        const [claimed] = await store.claim('old', { max: 1, now: 2000, leaseExpiresAt: 60_000 });
        expect(claimed).toMatchObject({ id: OLD_ID, senderRoles: null });
        const [fresh] = await store.insert([
          {
            id: '00000000-0000-4000-8000-000000000002',
            queue: 'old',
            request: 2,
            sentBy: 'bob',
            senderRoles: ['queue_writer', 'system_writer'],
            createdAt: 3000,
            availableAt: 3000,
            idempotencyKey: null,
          },
        ]);
        expect((await store.get('old', fresh.message.id))?.senderRoles).toEqual(['queue_writer', 'system_writer']);
        await connections.closeAll();

        for (let i = from; i < SQL_MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
        expect(await hasColumn()).toBe(0);
        expect(Number((await ds.query("SELECT COUNT(*) AS n FROM mailroom_messages WHERE queue = 'old'"))[0].n)).toBe(2);
        expect((await ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual(SQL_MIGRATIONS.slice(from).map((m) => m.name));
        expect(await hasColumn()).toBe(1);
      } finally {
        await connections.closeAll();
        await ds.destroy();
        await database.drop();
      }
    });
  });
}

migrationSuite('postgres');
migrationSuite('mariadb');
