import type { QueryRunner } from 'typeorm';
import { ExactIdentifiers1764900000000, MSSQL_EXACT } from '@app/storage/sql/migrations/1764900000000-exact-identifiers';

/** The statements each dialect receives; `collations` is what information_schema.COLLATIONS answers on mysql/mariadb. */
async function ddl(type: string, direction: 'up' | 'down', collations: string[] = []): Promise<string[]> {
  const statements: string[] = [];
  const runner = {
    connection: { options: { type } },
    query: async (sql: string, params?: string[]) => {
      if (sql.includes('information_schema.COLLATIONS')) return collations.filter((c) => params?.includes(c)).map((name) => ({ name }));
      statements.push(sql);
      return [];
    },
  } as unknown as QueryRunner;
  await new ExactIdentifiers1764900000000()[direction](runner);
  return statements;
}

const TABLES = ['mailroom_messages', 'mailroom_kv', 'mailroom_queues', 'mailroom_topics', 'mailroom_bindings', 'mailroom_grants'];

describe('ExactIdentifiers migration', () => {
  it('mariadb: every table to utf8mb4_nopad_bin (NO PAD), and back to utf8mb4_bin', async () => {
    const up = await ddl('mariadb', 'up', ['utf8mb4_bin', 'utf8mb4_nopad_bin']);
    expect(up).toEqual(TABLES.map((t) => `ALTER TABLE ${t} CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`));
    const down = await ddl('mariadb', 'down');
    expect(down).toEqual(TABLES.map((t) => `ALTER TABLE ${t} CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`));
  });

  it('mysql 8: utf8mb4_0900_bin; a server with neither NO PAD collation is refused', async () => {
    expect(await ddl('mysql', 'up', ['utf8mb4_bin', 'utf8mb4_0900_bin'])).toContain('ALTER TABLE mailroom_grants CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin');
    await expect(ddl('mysql', 'up', ['utf8mb4_bin'])).rejects.toThrow(/none of the collations utf8mb4_nopad_bin, utf8mb4_0900_bin/);
  });

  it(`mssql: identifier columns get ${MSSQL_EXACT} (case-sensitive), with their keys and indexes dropped first and recreated after`, async () => {
    const up = await ddl('mssql', 'up');
    const firstAlter = up.findIndex((s) => s.includes('ALTER COLUMN'));
    const lastAlter = up.map((s) => s.includes('ALTER COLUMN')).lastIndexOf(true);
    const drops = up.slice(0, firstAlter);
    const creates = up.slice(lastAlter + 1);
    expect(drops).toHaveLength(12);
    expect(drops.every((s) => /^(DROP INDEX \w+ ON \w+|ALTER TABLE \w+ DROP CONSTRAINT pk_\w+)$/.test(s))).toBe(true);
    expect(creates).toHaveLength(12);
    expect(creates).toContain('ALTER TABLE mailroom_grants ADD CONSTRAINT pk_mailroom_grants PRIMARY KEY (resource_type, resource_name, subject, action)');
    expect(creates).toContain('CREATE UNIQUE INDEX ux_mailroom_messages_idempotency ON mailroom_messages (queue, idempotency_key) WHERE idempotency_key IS NOT NULL');
    expect(creates).toContain("CREATE INDEX ix_mailroom_messages_pending ON mailroom_messages (queue, seq) WHERE status = 'PENDING'");
    const alters = up.slice(firstAlter, lastAlter + 1);
    expect(alters.every((s) => s.includes(`COLLATE ${MSSQL_EXACT}`))).toBe(true);
    expect(alters).toEqual(
      expect.arrayContaining([
        `ALTER TABLE mailroom_grants ALTER COLUMN subject nvarchar(255) COLLATE ${MSSQL_EXACT} NOT NULL`,
        `ALTER TABLE mailroom_messages ALTER COLUMN idempotency_key nvarchar(255) COLLATE ${MSSQL_EXACT} NULL`,
        `ALTER TABLE mailroom_queues ALTER COLUMN name nvarchar(80) COLLATE ${MSSQL_EXACT} NOT NULL`,
        `ALTER TABLE mailroom_kv ALTER COLUMN kv_key nvarchar(255) COLLATE ${MSSQL_EXACT} NOT NULL`,
      ]),
    );
    const down = await ddl('mssql', 'down');
    expect(down.filter((s) => s.includes('ALTER COLUMN')).every((s) => s.includes('COLLATE DATABASE_DEFAULT'))).toBe(true);
    expect(down).toHaveLength(up.length);
  });

  it('postgres: varchar already compares exactly, so nothing changes', async () => {
    expect(await ddl('postgres', 'up')).toEqual([]);
    expect(await ddl('postgres', 'down')).toEqual([]);
  });
});
