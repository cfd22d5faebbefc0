/**
 * Applies the pending SQL migrations (src/storage/sql/migrations, linked as migrations/) and exits:
 *   npm run migrate                      # the database of DATABASE_URL
 *   npm run migrate -- '<connection string>'   # another database, e.g. one a sql queue uses (${MAILROOM_SQL__NAME} placeholders allowed)
 *   npm run migrate -- --show            # list applied and pending migrations, change nothing
 * Replicas starting together are safe too: migrations run under a database lock.
 */
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config/app.config';
import { maskConnectionString, parseConnectionString, resolvePlaceholders } from '@app/storage/sql/connection-string';
import { SqlDatabase, dataSourceOptions } from '@app/storage/sql/sql-database';
import { safeReason } from '@app/storage/sql/sql-errors';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const show = args.includes('--show');
  const config = loadConfig(process.env);
  const given = args.find((a) => !a.startsWith('--'));
  const url = given ?? config.databaseUrl;
  if (!url) throw new Error('Set DATABASE_URL or pass a connection string: npm run migrate -- postgres://user:${MAILROOM_SQL__PASSWORD}@host/db');
  const target = parseConnectionString(given === undefined ? url : resolvePlaceholders(url, config.sqlPlaceholders).text);
  const label = maskConnectionString(url);
  if (show) {
    const ds = await new DataSource(dataSourceOptions(target)).initialize();
    try {
      const pending = await ds.showMigrations();
      console.log(`${label}: ${pending ? 'migrations are pending' : 'up to date'}`);
    } finally {
      await ds.destroy();
    }
    return;
  }
  const db = new SqlDatabase(target, label, true);
  try {
    await db.ready();
    console.log(`${label}: migrations applied, schema up to date`);
  } catch (error) {
    throw new Error(`${label}: ${safeReason(error, [target.password])}`);
  } finally {
    await db.close();
  }
}

main().catch((error: Error) => {
  console.error(`migrate failed: ${error.message}`);
  process.exit(1);
});
