import type { MigrationInterface, QueryRunner } from 'typeorm';

type Family = 'postgres' | 'mysql' | 'mssql';

function family(queryRunner: QueryRunner): Family {
  const type = queryRunner.connection.options.type;
  if (type === 'postgres') return 'postgres';
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  if (type === 'mssql') return 'mssql';
  throw new Error(`Mailroom has no migrations for database type ${type}`);
}

/** Column types per dialect: strings are nvarchar on mssql so bound parameters (nvarchar) use the indexes. */
const TYPES: Record<Family, { str: (n: number) => string; text: string; big: string; int: string; tail: string }> = {
  postgres: { str: (n) => `varchar(${n})`, text: 'text', big: 'bigint', int: 'integer', tail: '' },
  mysql: { str: (n) => `varchar(${n})`, text: 'longtext', big: 'bigint', int: 'int', tail: ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin' },
  mssql: { str: (n) => `nvarchar(${n})`, text: 'nvarchar(max)', big: 'bigint', int: 'int', tail: '' },
};

/**
 * Messages, the per-queue key-value store and the catalog (queues, topics, bindings, grants,
 * and the version counter replicas poll). The claim walks `ix_mailroom_messages_pending`, a
 * partial (postgres) / filtered (mssql) index, or `ix_mailroom_messages_status` on mysql/mariadb,
 * which have no partial indexes. Every index costs on each status change (these updates are
 * never HOT), so postgres and mssql keep small partial ones instead of a (queue, status) index.
 * No NOTIFY trigger: a notifying commit holds a global lock through its WAL flush, which would
 * serialise every push; SqlMessageStore sends coalesced notifications itself.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const f = family(queryRunner);
    const t = TYPES[f];
    const run = (sql: string) => queryRunner.query(sql);
    await run(
      `CREATE TABLE mailroom_messages (queue ${t.str(80)} NOT NULL, id ${t.str(36)} NOT NULL, seq ${t.big} NOT NULL, ` +
        `status ${t.str(10)} NOT NULL, request ${t.text} NOT NULL, result ${t.text} NULL, error ${t.text} NULL, ` +
        `dead_letter ${t.text} NULL, attempts ${t.int} NOT NULL, sent_by ${t.str(255)} NULL, created_at ${t.big} NOT NULL, ` +
        `updated_at ${t.big} NOT NULL, available_at ${t.big} NOT NULL, lease_expires_at ${t.big} NULL, receipt ${t.str(36)} NULL, ` +
        `idempotency_key ${t.str(255)} NULL, CONSTRAINT pk_mailroom_messages PRIMARY KEY (queue, id))${t.tail}`,
    );
    await run('CREATE INDEX ix_mailroom_messages_order ON mailroom_messages (queue, seq, id)');
    if (f === 'mysql') {
      await run('CREATE INDEX ix_mailroom_messages_status ON mailroom_messages (queue, status, seq, id)');
      await run('CREATE INDEX ix_mailroom_messages_leases ON mailroom_messages (queue, status, lease_expires_at)');
      await run('CREATE UNIQUE INDEX ux_mailroom_messages_idempotency ON mailroom_messages (queue, idempotency_key)');
    } else {
      await run(`CREATE INDEX ix_mailroom_messages_pending ON mailroom_messages (queue, seq) WHERE status = 'PENDING'`);
      await run(`CREATE INDEX ix_mailroom_messages_leases ON mailroom_messages (queue, lease_expires_at) WHERE status = 'INPROGRESS'`);
      await run(`CREATE INDEX ix_mailroom_messages_errors ON mailroom_messages (queue, seq) WHERE status = 'ERROR'`);
      await run('CREATE UNIQUE INDEX ux_mailroom_messages_idempotency ON mailroom_messages (queue, idempotency_key) WHERE idempotency_key IS NOT NULL');
    }
    await run(
      `CREATE TABLE mailroom_kv (queue ${t.str(80)} NOT NULL, kv_key ${t.str(255)} NOT NULL, kv_value ${t.text} NOT NULL, ` +
        `CONSTRAINT pk_mailroom_kv PRIMARY KEY (queue, kv_key))${t.tail}`,
    );
    await run(`CREATE TABLE mailroom_queues (name ${t.str(80)} NOT NULL, definition ${t.text} NOT NULL, updated_at ${t.big} NOT NULL, CONSTRAINT pk_mailroom_queues PRIMARY KEY (name))${t.tail}`);
    await run(`CREATE TABLE mailroom_topics (name ${t.str(80)} NOT NULL, created_at ${t.big} NOT NULL, CONSTRAINT pk_mailroom_topics PRIMARY KEY (name))${t.tail}`);
    await run(`CREATE TABLE mailroom_bindings (topic ${t.str(80)} NOT NULL, queue ${t.str(80)} NOT NULL, CONSTRAINT pk_mailroom_bindings PRIMARY KEY (topic, queue))${t.tail}`);
    await run(
      `CREATE TABLE mailroom_grants (resource_type ${t.str(10)} NOT NULL, resource_name ${t.str(80)} NOT NULL, subject ${t.str(255)} NOT NULL, ` +
        `action ${t.str(20)} NOT NULL, granted_by ${t.str(255)} NOT NULL, granted_at ${t.str(40)} NOT NULL, ` +
        `CONSTRAINT pk_mailroom_grants PRIMARY KEY (resource_type, resource_name, subject, action))${t.tail}`,
    );
    await run('CREATE INDEX ix_mailroom_grants_subject ON mailroom_grants (subject)');
    await run(`CREATE TABLE mailroom_catalog_version (id ${t.int} NOT NULL, version ${t.big} NOT NULL, CONSTRAINT pk_mailroom_catalog_version PRIMARY KEY (id))${t.tail}`);
    await run('INSERT INTO mailroom_catalog_version (id, version) VALUES (1, 0)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    family(queryRunner);
    for (const table of ['mailroom_catalog_version', 'mailroom_grants', 'mailroom_bindings', 'mailroom_topics', 'mailroom_queues', 'mailroom_kv', 'mailroom_messages']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
