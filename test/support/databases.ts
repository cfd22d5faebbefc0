import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

/**
 * The test databases (loopback only). Suites that need one use `describeWithDatabase`:
 * an unreachable database skips the suite with a loud notice, unless REQUIRE_DATABASES=1,
 * where the suite fails. Each suite works in its own Postgres schema / MariaDB database
 * (`isolatedDatabase`), since other suites share the servers concurrently.
 */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_MARIADB_URL = process.env.TEST_MARIADB_URL || 'mysql://root@127.0.0.1:3306/test';
/** MySQL has no server on these machines: its suites run only when TEST_MYSQL_URL names one. */
export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL || null;

export type TestDatabaseKind = 'postgres' | 'mariadb' | 'mysql';

const ROOT = path.resolve(__dirname, '../..');
const reachable = new Map<TestDatabaseKind, string | null>();

export function testDatabaseUrl(kind: TestDatabaseKind): string {
  if (kind === 'mysql') {
    if (!TEST_MYSQL_URL) throw new Error('TEST_MYSQL_URL is not set');
    return TEST_MYSQL_URL;
  }
  return kind === 'postgres' ? TEST_POSTGRES_URL : TEST_MARIADB_URL;
}

function connectionConfig(url: string): { host: string; port: number; user: string; password: string | undefined; database: string } {
  const u = new URL(url);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port) || (u.protocol.startsWith('postgres') ? 5432 : 3306),
    user: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
  };
}

/** Runs SQL statements as the admin of the test database, in a child process (synchronous). */
function probeScript(kind: TestDatabaseKind, url: string): string {
  const config = JSON.stringify({ ...connectionConfig(url), connectionTimeoutMillis: 2000, connectTimeout: 2000 });
  return kind === 'postgres'
    ? `const { Client } = require('pg'); const c = new Client(${config}); c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`
    : `const m = require('mysql2/promise'); const { connectionTimeoutMillis, ...cfg } = ${config}; m.createConnection(cfg).then(async (c) => { await c.query('SELECT 1'); await c.end(); }).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;
}

/** Whether the test database answers (probed once per process, synchronously, so `describe` can depend on it). */
export function databaseReachable(kind: TestDatabaseKind): string | null {
  if (!reachable.has(kind)) {
    const url = testDatabaseUrl(kind);
    let problem: string | null = null;
    try {
      execFileSync(process.execPath, ['-e', probeScript(kind, url)], { cwd: ROOT, timeout: 8000, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      problem = stderr || (error as Error).message;
    }
    reachable.set(kind, problem);
  }
  return reachable.get(kind) ?? null;
}

/**
 * `describe` when the database is reachable. Otherwise: REQUIRE_DATABASES=1 → a failing test;
 * else a loud console notice and a `todo` entry in the report, so the gap is visible.
 */
export function describeWithDatabase(kind: TestDatabaseKind, name: string, body: () => void): void {
  if (kind === 'mysql' && !TEST_MYSQL_URL) {
    skipLoudly(
      name,
      'TEST_MYSQL_URL is not set (no MySQL server on these machines)',
      'Set it to a MySQL 8 database (root or a user that may create databases) to run this suite.',
    );
    return;
  }
  const problem = databaseReachable(kind);
  if (problem === null) {
    describe(name, body);
    return;
  }
  const url = testDatabaseUrl(kind).replace(/:[^:@/]*@/, ':***@');
  const notice = `${kind} test database ${url} is not reachable (${problem})`;
  if (process.env.REQUIRE_DATABASES === '1') {
    describe(name, () => {
      it(`needs the ${kind} test database`, () => {
        throw new Error(`${notice}; REQUIRE_DATABASES=1 makes this a failure`);
      });
    });
    return;
  }
  skipLoudly(name, notice, `Set TEST_${kind.toUpperCase()}_URL, or REQUIRE_DATABASES=1 to fail instead.`);
}

/** A console notice that cannot be missed, and a `todo` entry in the report. */
export function skipLoudly(name: string, reason: string, hint: string): void {
  console.warn(`\n${'!'.repeat(78)}\n!!! SKIPPED "${name}": ${reason}.\n!!! ${hint}\n${'!'.repeat(78)}\n`);
  describe(name, () => {
    it.todo(`SKIPPED: ${reason}`);
  });
}

export interface IsolatedDatabase {
  /** a connection string for Mailroom (postgres: `?schema=`; mariadb: a database of its own) */
  url: string;
  /** the host of the URL, for SQL_ALLOWED_HOSTS */
  host: string;
  drop(): Promise<void>;
}

async function admin<T>(kind: TestDatabaseKind, work: (exec: (sql: string) => Promise<unknown>) => Promise<T>): Promise<T> {
  const config = connectionConfig(testDatabaseUrl(kind));
  if (kind === 'postgres') {
    const { Client } = await import('pg');
    const client = new Client({ ...config, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      return await work((sql) => client.query(sql));
    } finally {
      await client.end();
    }
  }
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({ ...config, connectTimeout: 5000 });
  try {
    return await work((sql) => connection.query(sql));
  } finally {
    await connection.end();
  }
}

/** A fresh Postgres schema or MariaDB database named mr_<random>, dropped by `drop()`. */
export async function isolatedDatabase(kind: TestDatabaseKind): Promise<IsolatedDatabase> {
  const name = `mr_${randomBytes(5).toString('hex')}`;
  const base = new URL(testDatabaseUrl(kind));
  await admin(kind, (exec) => exec(kind === 'postgres' ? `CREATE SCHEMA ${name}` : `CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`));
  const url = new URL(base.toString());
  if (kind === 'postgres') url.searchParams.set('schema', name);
  else url.pathname = `/${name}`;
  return {
    url: url.toString(),
    host: url.hostname,
    drop: () =>
      admin(kind, (exec) => exec(kind === 'postgres' ? `DROP SCHEMA IF EXISTS ${name} CASCADE` : `DROP DATABASE IF EXISTS ${name}`)).then(() => undefined),
  };
}

/**
 * A Postgres database of its own (not a schema), for a queue's `connectionString`: `drop()` removes
 * it with its connections (`WITH (FORCE)`), as an operator dropping a tenant's database would.
 */
export async function separatePostgresDatabase(): Promise<IsolatedDatabase & { recreate(): Promise<void> }> {
  const name = `mr_${randomBytes(5).toString('hex')}`;
  await admin('postgres', (exec) => exec(`CREATE DATABASE ${name}`));
  const url = new URL(testDatabaseUrl('postgres'));
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    host: url.hostname,
    drop: () => admin('postgres', (exec) => exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
    recreate: () => admin('postgres', (exec) => exec(`CREATE DATABASE ${name}`)).then(() => undefined),
  };
}
