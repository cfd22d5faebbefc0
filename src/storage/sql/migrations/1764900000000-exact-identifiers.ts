import type { MigrationInterface, QueryRunner } from 'typeorm';

type Family = 'postgres' | 'mysql' | 'mssql';

function family(queryRunner: QueryRunner): Family {
  const type = queryRunner.connection.options.type;
  if (type === 'postgres') return 'postgres';
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  if (type === 'mssql') return 'mssql';
  throw new Error(`Mailroom has no migrations for database type ${type}`);
}

const TABLES = ['mailroom_messages', 'mailroom_kv', 'mailroom_queues', 'mailroom_topics', 'mailroom_bindings', 'mailroom_grants'];

/** The binary collations without PAD SPACE: MariaDB first, then MySQL 8. */
const MYSQL_NO_PAD = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'];
const MYSQL_BEFORE = 'utf8mb4_bin';
export const MSSQL_EXACT = 'Latin1_General_100_BIN2';

interface MssqlColumn {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
}

/** mssql's string columns that are compared or indexed, as the initial schema declares them. */
const MSSQL_COLUMNS: MssqlColumn[] = [
  { table: 'mailroom_messages', column: 'queue', type: 'nvarchar(80)', nullable: false },
  { table: 'mailroom_messages', column: 'id', type: 'nvarchar(36)', nullable: false },
  { table: 'mailroom_messages', column: 'status', type: 'nvarchar(10)', nullable: false },
  { table: 'mailroom_messages', column: 'sent_by', type: 'nvarchar(255)', nullable: true },
  { table: 'mailroom_messages', column: 'receipt', type: 'nvarchar(36)', nullable: true },
  { table: 'mailroom_messages', column: 'idempotency_key', type: 'nvarchar(255)', nullable: true },
  { table: 'mailroom_kv', column: 'queue', type: 'nvarchar(80)', nullable: false },
  { table: 'mailroom_kv', column: 'kv_key', type: 'nvarchar(255)', nullable: false },
  { table: 'mailroom_queues', column: 'name', type: 'nvarchar(80)', nullable: false },
  { table: 'mailroom_topics', column: 'name', type: 'nvarchar(80)', nullable: false },
  { table: 'mailroom_bindings', column: 'topic', type: 'nvarchar(80)', nullable: false },
  { table: 'mailroom_bindings', column: 'queue', type: 'nvarchar(80)', nullable: false },
  { table: 'mailroom_grants', column: 'resource_type', type: 'nvarchar(10)', nullable: false },
  { table: 'mailroom_grants', column: 'resource_name', type: 'nvarchar(80)', nullable: false },
  { table: 'mailroom_grants', column: 'subject', type: 'nvarchar(255)', nullable: false },
  { table: 'mailroom_grants', column: 'action', type: 'nvarchar(20)', nullable: false },
  { table: 'mailroom_grants', column: 'granted_by', type: 'nvarchar(255)', nullable: false },
];

/** Keys and indexes over those columns (mssql cannot change a column's collation under them), as the initial schema creates them. */
const MSSQL_KEYS = [
  { table: 'mailroom_messages', name: 'pk_mailroom_messages', create: 'ALTER TABLE mailroom_messages ADD CONSTRAINT pk_mailroom_messages PRIMARY KEY (queue, id)' },
  { table: 'mailroom_messages', name: 'ix_mailroom_messages_order', create: 'CREATE INDEX ix_mailroom_messages_order ON mailroom_messages (queue, seq, id)' },
  { table: 'mailroom_messages', name: 'ix_mailroom_messages_pending', create: `CREATE INDEX ix_mailroom_messages_pending ON mailroom_messages (queue, seq) WHERE status = 'PENDING'` },
  { table: 'mailroom_messages', name: 'ix_mailroom_messages_leases', create: `CREATE INDEX ix_mailroom_messages_leases ON mailroom_messages (queue, lease_expires_at) WHERE status = 'INPROGRESS'` },
  { table: 'mailroom_messages', name: 'ix_mailroom_messages_errors', create: `CREATE INDEX ix_mailroom_messages_errors ON mailroom_messages (queue, seq) WHERE status = 'ERROR'` },
  {
    table: 'mailroom_messages',
    name: 'ux_mailroom_messages_idempotency',
    create: 'CREATE UNIQUE INDEX ux_mailroom_messages_idempotency ON mailroom_messages (queue, idempotency_key) WHERE idempotency_key IS NOT NULL',
  },
  { table: 'mailroom_kv', name: 'pk_mailroom_kv', create: 'ALTER TABLE mailroom_kv ADD CONSTRAINT pk_mailroom_kv PRIMARY KEY (queue, kv_key)' },
  { table: 'mailroom_queues', name: 'pk_mailroom_queues', create: 'ALTER TABLE mailroom_queues ADD CONSTRAINT pk_mailroom_queues PRIMARY KEY (name)' },
  { table: 'mailroom_topics', name: 'pk_mailroom_topics', create: 'ALTER TABLE mailroom_topics ADD CONSTRAINT pk_mailroom_topics PRIMARY KEY (name)' },
  { table: 'mailroom_bindings', name: 'pk_mailroom_bindings', create: 'ALTER TABLE mailroom_bindings ADD CONSTRAINT pk_mailroom_bindings PRIMARY KEY (topic, queue)' },
  {
    table: 'mailroom_grants',
    name: 'pk_mailroom_grants',
    create: 'ALTER TABLE mailroom_grants ADD CONSTRAINT pk_mailroom_grants PRIMARY KEY (resource_type, resource_name, subject, action)',
  },
  { table: 'mailroom_grants', name: 'ix_mailroom_grants_subject', create: 'CREATE INDEX ix_mailroom_grants_subject ON mailroom_grants (subject)' },
];

/**
 * Identifiers (queue and topic names, message ids, idempotency keys, grant subjects, key-value keys)
 * compare exactly. mysql/mariadb: the initial `utf8mb4_bin` is a PAD SPACE collation (`'alice'`
 * equals `'alice '`), so the tables move to a NO PAD binary one. mssql: case-sensitive `_BIN2`
 * instead of the database default (usually case-insensitive); `=` on mssql still ignores trailing
 * spaces, which the stores check themselves. postgres compares varchar exactly already: nothing to do.
 * On mysql/mariadb this rewrites each table (a copy of mailroom_messages: plan it for large ones).
 */
export class ExactIdentifiers1764900000000 implements MigrationInterface {
  name = 'ExactIdentifiers1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const f = family(queryRunner);
    if (f === 'mysql') await this.mysql(queryRunner, await noPadCollation(queryRunner));
    if (f === 'mssql') await this.mssql(queryRunner, MSSQL_EXACT);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const f = family(queryRunner);
    if (f === 'mysql') await this.mysql(queryRunner, MYSQL_BEFORE);
    if (f === 'mssql') await this.mssql(queryRunner, 'DATABASE_DEFAULT');
  }

  private async mysql(queryRunner: QueryRunner, collation: string): Promise<void> {
    for (const table of TABLES) await queryRunner.query(`ALTER TABLE ${table} CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`);
  }

  private async mssql(queryRunner: QueryRunner, collation: string): Promise<void> {
    for (const key of [...MSSQL_KEYS].reverse()) {
      await queryRunner.query(key.name.startsWith('pk_') ? `ALTER TABLE ${key.table} DROP CONSTRAINT ${key.name}` : `DROP INDEX ${key.name} ON ${key.table}`);
    }
    for (const c of MSSQL_COLUMNS) {
      await queryRunner.query(`ALTER TABLE ${c.table} ALTER COLUMN ${c.column} ${c.type} COLLATE ${collation} ${c.nullable ? 'NULL' : 'NOT NULL'}`);
    }
    for (const key of MSSQL_KEYS) await queryRunner.query(key.create);
  }
}

async function noPadCollation(queryRunner: QueryRunner): Promise<string> {
  const rows = (await queryRunner.query(
    `SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN (${MYSQL_NO_PAD.map(() => '?').join(', ')})`,
    MYSQL_NO_PAD,
  )) as Array<{ name: string }>;
  const available = new Set(rows.map((r) => String(r.name)));
  const collation = MYSQL_NO_PAD.find((c) => available.has(c));
  if (!collation) throw new Error(`the server has none of the collations ${MYSQL_NO_PAD.join(', ')}: Mailroom needs MariaDB 10.6 or MySQL 8.0`);
  return collation;
}
