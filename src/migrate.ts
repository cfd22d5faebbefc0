/**
 * Applies the pending SQL migrations and exits; built into dist/ so the image runs it as
 * `node dist/migrate.js` (the Kubernetes migration Job), and `npm run migrate` runs it from src/:
 *   node dist/migrate.js                          # the database of DATABASE_URL
 *   node dist/migrate.js '<connection string>'    # another database, e.g. one a sql queue uses (${MAILROOM_SQL__NAME} placeholders allowed)
 *   node dist/migrate.js --show                   # say whether migrations are pending, change nothing
 * Replicas starting together are safe too: migrations run under a database lock.
 */
import { databaseUrlSetting } from '@app/config/app.config';
import { runSqlMigrations } from '@app/storage/storage-migrations';

/** Runs the migrations (or `--show`) and returns the line to print; throws an error without credentials. */
export async function migrate(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const given = args.find((a) => !a.startsWith('--'));
  const url = given ?? databaseUrlSetting(env);
  if (!url) throw new Error('Set DATABASE_URL or pass a connection string: migrate postgres://user:${MAILROOM_SQL__PASSWORD}@host/db');
  return runSqlMigrations(url, { show: args.includes('--show'), placeholdersFrom: given === undefined ? null : env });
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
