import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A FIFO message's deduplication id as sent (`dedup_id`, 1 to 128 visible ASCII characters), so
 * SQS receives can answer it as MessageDeduplicationId after the deduplication window, when the
 * idempotency key (a hash) is released. NULL for other messages and for those stored before.
 */
export class DeduplicationId1765300000000 implements MigrationInterface {
  name = 'DeduplicationId1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const type = queryRunner.connection.options.type;
    if (type === 'postgres' || type === 'mysql' || type === 'mariadb') {
      await queryRunner.query('ALTER TABLE mailroom_messages ADD COLUMN dedup_id varchar(128) NULL');
    } else if (type === 'mssql') {
      await queryRunner.query('ALTER TABLE mailroom_messages ADD dedup_id nvarchar(128) NULL');
    } else {
      throw new Error(`Mailroom has no migrations for database type ${type}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE mailroom_messages DROP COLUMN dedup_id');
  }
}
