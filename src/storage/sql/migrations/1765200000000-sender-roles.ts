import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The roles of a message's sender at push time (`sender_roles`, a JSON array of at most 50
 * roles of at most 128 characters; NULL for messages stored before, which read as unrecorded).
 */
export class SenderRoles1765200000000 implements MigrationInterface {
  name = 'SenderRoles1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const type = queryRunner.connection.options.type;
    if (type === 'postgres' || type === 'mysql' || type === 'mariadb') {
      await queryRunner.query('ALTER TABLE mailroom_messages ADD COLUMN sender_roles text NULL');
    } else if (type === 'mssql') {
      await queryRunner.query('ALTER TABLE mailroom_messages ADD sender_roles nvarchar(max) NULL');
    } else {
      throw new Error(`Mailroom has no migrations for database type ${type}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE mailroom_messages DROP COLUMN sender_roles');
  }
}
