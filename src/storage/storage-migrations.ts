import { DataSource } from 'typeorm';
import { prefixed } from '@app/config/app.config';
import { maskConnectionString } from '@app/common/secrets';
import { parseConnectionString, resolvePlaceholders, SQL_PLACEHOLDER_PREFIX } from '@app/storage/sql/connection-string';
import { SqlDatabase, dataSourceOptions } from '@app/storage/sql/sql-database';
import { safeReason } from '@app/storage/sql/sql-errors';

export interface MigrationRun {
  /** `--show`: say whether migrations are pending, change nothing */
  show: boolean;
  /** fill `${MAILROOM_SQL__NAME}` placeholders from these variables; null: the connection string is already resolved (DATABASE_URL) */
  placeholdersFrom: NodeJS.ProcessEnv | null;
}

/**
 * The SQL schema migrations, as the storage module offers them to the `migrate` entry point
 * (src/migrate.ts). Returns the line to print; throws an error without credentials.
 */
export async function runSqlMigrations(connectionString: string, run: MigrationRun): Promise<string> {
  const resolved = run.placeholdersFrom ? resolvePlaceholders(connectionString, prefixed(run.placeholdersFrom, SQL_PLACEHOLDER_PREFIX)).text : connectionString;
  const target = parseConnectionString(resolved);
  const label = maskConnectionString(connectionString);
  if (run.show) {
    const ds = await new DataSource(dataSourceOptions(target)).initialize();
    try {
      return `${label}: ${(await ds.showMigrations()) ? 'migrations are pending' : 'up to date'}`;
    } finally {
      await ds.destroy();
    }
  }
  const db = new SqlDatabase(target, label, true);
  try {
    await db.ready();
    return `${label}: migrations applied, schema up to date`;
  } catch (error) {
    throw new Error(`${label}: ${safeReason(error, [target.password])}`);
  } finally {
    await db.close();
  }
}
