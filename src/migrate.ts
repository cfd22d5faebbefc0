/**
 * Applies the pending SQL migrations and exits; built into dist/ so the image runs it as
 * `node dist/migrate.js` (the Kubernetes migration Job), and `npm run migrate` runs it from src/:
 *   node dist/migrate.js                          # the database of DATABASE_URL
 *   node dist/migrate.js '<connection string>'    # another database, e.g. one a sql queue uses (${MAILROOM_SQL__NAME} placeholders allowed)
 *   node dist/migrate.js --show                   # say whether migrations are pending, change nothing
 * Replicas starting together are safe too: migrations run under a database lock.
 */
import { DataSource } from 'typeorm';
import { databaseUrlSetting, prefixed } from '@app/config/app.config';
import { maskConnectionString } from '@app/common/secrets';
import { parseConnectionString, resolvePlaceholders, SQL_PLACEHOLDER_PREFIX } from '@app/storage/sql/connection-string';
import { SqlDatabase, dataSourceOptions } from '@app/storage/sql/sql-database';
import { safeReason } from '@app/storage/sql/sql-errors';

/** Runs the migrations (or `--show`) and returns the line to print; throws an error without credentials. */
export async function migrate(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const show = args.includes('--show');
  const given = args.find((a) => !a.startsWith('--'));
  const url = given ?? databaseUrlSetting(env);
  if (!url) throw new Error('Set DATABASE_URL or pass a connection string: migrate postgres://user:${MAILROOM_SQL__PASSWORD}@host/db');
  const target = parseConnectionString(given === undefined ? url : resolvePlaceholders(url, prefixed(env, SQL_PLACEHOLDER_PREFIX)).text);
  const label = maskConnectionString(url);
  if (show) {
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

if (require.main === module) {
  migrate(process.argv.slice(2), process.env).then(
    (line) => console.log(line),
    (error: Error) => {
      console.error(`migrate failed: ${error.message}`);
      process.exit(1);
    },
  );
}
