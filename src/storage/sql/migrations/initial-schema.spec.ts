import type { QueryRunner } from 'typeorm';
import { InitialSchema1764000000000 } from '@app/storage/sql/migrations/1764000000000-initial-schema';

/** The DDL each dialect receives (mssql has no server in CI: this is its test). */
async function ddl(type: string): Promise<string[]> {
  const statements: string[] = [];
  const runner = { connection: { options: { type } }, query: async (sql: string) => void statements.push(sql) } as unknown as QueryRunner;
  await new InitialSchema1764000000000().up(runner);
  return statements;
}

describe('InitialSchema migration', () => {
  it('mssql: nvarchar columns, filtered indexes for the claim and leases, a filtered unique idempotency index', async () => {
    const sql = await ddl('mssql');
    expect(sql[0]).toMatch(/^CREATE TABLE mailroom_messages \(queue nvarchar\(80\) NOT NULL, id nvarchar\(36\) NOT NULL, seq bigint NOT NULL, status nvarchar\(10\) NOT NULL, request nvarchar\(max\) NOT NULL/);
    expect(sql).toContain("CREATE INDEX ix_mailroom_messages_pending ON mailroom_messages (queue, seq) WHERE status = 'PENDING'");
    expect(sql).toContain("CREATE INDEX ix_mailroom_messages_leases ON mailroom_messages (queue, lease_expires_at) WHERE status = 'INPROGRESS'");
    expect(sql).toContain('CREATE UNIQUE INDEX ux_mailroom_messages_idempotency ON mailroom_messages (queue, idempotency_key) WHERE idempotency_key IS NOT NULL');
    expect(sql.join('\n')).not.toMatch(/ENGINE=|plpgsql|\btext\b|longtext|ix_mailroom_messages_status/);
  });

  it('mysql/mariadb: InnoDB, binary utf8mb4 collation, (queue, status, seq) for the claim', async () => {
    for (const type of ['mysql', 'mariadb']) {
      const sql = await ddl(type);
      expect(sql[0]).toMatch(/request longtext NOT NULL.*\) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin$/);
      expect(sql).toContain('CREATE INDEX ix_mailroom_messages_status ON mailroom_messages (queue, status, seq, id)');
      expect(sql.join('\n')).not.toMatch(/WHERE status|plpgsql/);
    }
  });

  it('postgres: partial indexes for the claim, leases and errors, and no NOTIFY trigger (it would serialise commits)', async () => {
    const sql = (await ddl('postgres')).join('\n');
    expect(sql).toContain("CREATE INDEX ix_mailroom_messages_pending ON mailroom_messages (queue, seq) WHERE status = 'PENDING'");
    expect(sql).toContain("CREATE INDEX ix_mailroom_messages_errors ON mailroom_messages (queue, seq) WHERE status = 'ERROR'");
    expect(sql).not.toMatch(/TRIGGER|pg_notify/);
  });

  it('refuses an unknown database type', async () => {
    await expect(ddl('sqlite')).rejects.toThrow(/no migrations for database type sqlite/);
  });
});
