import { DataSource } from 'typeorm';
import { SQL_MIGRATIONS } from '@app/storage/sql/migrations/sql-migrations';
import { parseConnectionString } from '@app/storage/sql/connection-string';
import { dataSourceOptions } from '@app/storage/sql/sql-database';
import { describeWithDatabase, isolatedDatabase, type TestDatabaseKind } from '../support/databases';

/** ExactIdentifiers1764900000000 up, down and up again on a real server, with a grant to `alice` in the table. */
function migrationSuite(kind: TestDatabaseKind): void {
  describeWithDatabase(kind, `ExactIdentifiers migration on ${kind}`, () => {
    it('runs up, down and up again; after up, alice\'s grant matches neither "alice " nor "ALICE"', async () => {
      const database = await isolatedDatabase(kind);
      const ds = new DataSource(dataSourceOptions(parseConnectionString(database.url)));
      await ds.initialize();
      const p = (i: number) => (kind === 'postgres' ? `$${i + 1}` : '?');
      const matches = async (subject: string) =>
        Number((await ds.query(`SELECT COUNT(*) AS n FROM mailroom_grants WHERE subject = ${p(0)} AND resource_name = ${p(1)}`, [subject, 'orders']))[0].n);
      const collation = async () =>
        kind === 'postgres'
          ? null
          : String(
              (
                await ds.query(
                  `SELECT COLLATION_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'mailroom_grants' AND COLUMN_NAME = 'subject'`,
                )
              )[0].c,
            );
      try {
        const applied = await ds.runMigrations({ transaction: 'each' });
        expect(applied.map((m) => m.name)).toEqual(SQL_MIGRATIONS.map((m) => m.name));
        expect(SQL_MIGRATIONS[1].name).toBe('ExactIdentifiers1764900000000');
        await ds.query(
          `INSERT INTO mailroom_grants (resource_type, resource_name, subject, action, granted_by, granted_at) VALUES (${[0, 1, 2, 3, 4, 5].map(p).join(', ')})`,
          ['queue', 'orders', 'alice', 'send_to_queue', 'admin', '2026-01-01T00:00:00.000Z'],
        );
        const exact = async () => [await matches('alice'), await matches('alice '), await matches('ALICE')];
        expect(await exact()).toEqual([1, 0, 0]);
        if (kind !== 'postgres') expect(await collation()).toMatch(/^utf8mb4_(nopad_bin|0900_bin)$/);

        // down to just before ExactIdentifiers (the later migrations first)
        for (let i = 1; i < SQL_MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
        if (kind !== 'postgres') {
          expect(await collation()).toBe('utf8mb4_bin');
          expect(await matches('alice ')).toBe(1);
        }
        expect(await matches('alice')).toBe(1);

        expect((await ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual(SQL_MIGRATIONS.slice(1).map((m) => m.name));
        expect(await exact()).toEqual([1, 0, 0]);
      } finally {
        await ds.destroy();
        await database.drop();
      }
    });
  });
}

migrationSuite('postgres');
migrationSuite('mariadb');
migrationSuite('mysql');
