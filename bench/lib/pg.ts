import { execFileSync } from 'node:child_process';
import { Client } from 'pg';

export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Connects to `url`, runs `work`, disconnects. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function postgresReachable(): Promise<string | null> {
  try {
    await withClient(ADMIN_URL, (c) => c.query('select 1'));
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A database for one bench run; its name carries the pid so concurrent runs do not collide. */
export async function createBenchDatabase(): Promise<{ name: string; url: string }> {
  const name = `mailroom_bench_${process.pid}_${Date.now().toString(36)}`;
  await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  return { name, url: withDatabase(ADMIN_URL, name) };
}

export async function dropBenchDatabase(name: string): Promise<void> {
  if (!/^mailroom_bench_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  await withClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/**
 * Before a drain is timed: a CHECKPOINT and a `sync`, so that neither side pays for the write-back
 * of what earlier scenarios wrote (after the batch push, WAL fsyncs were several times slower for
 * a while, and the drain after it with them). Done before graphile-worker's drain and Mailroom's.
 */
export async function quiesceStorage(): Promise<void> {
  try {
    await withClient(ADMIN_URL, (c) => c.query('CHECKPOINT'));
  } catch (error) {
    process.stderr.write(`[bench] CHECKPOINT skipped (${(error as Error).message}); the drains may depend on earlier scenarios\n`);
  }
  execFileSync('sync', { timeout: 120_000 });
}
