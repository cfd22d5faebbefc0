import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MSSQL_EXACT } from '@app/storage/sql/migrations/1764900000000-exact-identifiers';

/**
 * FIFO queues: the message group of each message (`group_id`, null outside FIFO queues) with an
 * index for the group claim, and `mailroom_fifo_locks`, one row per FIFO queue that claims lock
 * (`FOR UPDATE`) so that replicas claim the groups of one queue one at a time: two replicas never
 * both see a group as free. Identifiers compare exactly, as after ExactIdentifiers.
 */
export class FifoGroups1765100000000 implements MigrationInterface {
  name = 'FifoGroups1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const type = queryRunner.connection.options.type;
    const run = (sql: string) => queryRunner.query(sql);
    if (type === 'postgres') {
      await run('ALTER TABLE mailroom_messages ADD COLUMN group_id varchar(128) NULL');
      await run('CREATE INDEX ix_mailroom_messages_groups ON mailroom_messages (queue, group_id, seq) WHERE group_id IS NOT NULL');
      await run('CREATE TABLE mailroom_fifo_locks (queue varchar(80) NOT NULL, CONSTRAINT pk_mailroom_fifo_locks PRIMARY KEY (queue))');
    } else if (type === 'mysql' || type === 'mariadb') {
      const rows = (await queryRunner.query(
        "SELECT TABLE_COLLATION AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'mailroom_messages'",
      )) as Array<{ c: string }>;
      const collation = String(rows[0]?.c ?? 'utf8mb4_bin');
      if (!/^[A-Za-z0-9_]+$/.test(collation)) throw new Error('unexpected collation of mailroom_messages');
      await run('ALTER TABLE mailroom_messages ADD COLUMN group_id varchar(128) NULL');
      await run('CREATE INDEX ix_mailroom_messages_groups ON mailroom_messages (queue, group_id, status, seq)');
      await run(
        `CREATE TABLE mailroom_fifo_locks (queue varchar(80) NOT NULL, CONSTRAINT pk_mailroom_fifo_locks PRIMARY KEY (queue)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`,
      );
    } else if (type === 'mssql') {
      await run(`ALTER TABLE mailroom_messages ADD group_id nvarchar(128) COLLATE ${MSSQL_EXACT} NULL`);
      await run('CREATE INDEX ix_mailroom_messages_groups ON mailroom_messages (queue, group_id, seq) WHERE group_id IS NOT NULL');
      await run(`CREATE TABLE mailroom_fifo_locks (queue nvarchar(80) COLLATE ${MSSQL_EXACT} NOT NULL, CONSTRAINT pk_mailroom_fifo_locks PRIMARY KEY (queue))`);
    } else {
      throw new Error(`Mailroom has no migrations for database type ${type}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const type = queryRunner.connection.options.type;
    await queryRunner.query('DROP TABLE mailroom_fifo_locks');
    await queryRunner.query(type === 'postgres' ? 'DROP INDEX ix_mailroom_messages_groups' : 'DROP INDEX ix_mailroom_messages_groups ON mailroom_messages');
    await queryRunner.query('ALTER TABLE mailroom_messages DROP COLUMN group_id');
  }
}
