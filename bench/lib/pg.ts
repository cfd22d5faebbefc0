import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { assertLoopback } from './loopback';
import { cpuSeconds } from './proc';

export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Connects to `url`, runs `work`, disconnects. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  assertLoopback(url, 'the Postgres URL');
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

/**
 * CPU of the Postgres backends serving one database, from /proc: unlike all `postgres` processes,
 * it leaves out other clients of a shared server (and the server's own background writers).
 * Backends that start during the window count from zero; ones that end during it are missed.
 */
export class DatabaseCpuSampler {
  private constructor(
    private readonly database: string,
    private readonly start: Map<number, number>,
    private readonly startedAt: bigint,
  ) {}

  static async start(database: string): Promise<DatabaseCpuSampler> {
    return new DatabaseCpuSampler(database, await backendCpu(database), process.hrtime.bigint());
  }

  async stop(): Promise<{ cpuSeconds: number; cpuPercent: number; backends: number }> {
    const end = await backendCpu(this.database);
    const wallSeconds = Number(process.hrtime.bigint() - this.startedAt) / 1e9;
    let used = 0;
    for (const [pid, seconds] of end) used += seconds - (this.start.get(pid) ?? 0);
    return { cpuSeconds: Math.round(used * 100) / 100, cpuPercent: Math.round((used / wallSeconds) * 1000) / 10, backends: end.size };
  }
}

async function backendCpu(database: string): Promise<Map<number, number>> {
  const { rows } = await withClient(ADMIN_URL, (c) =>
    c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]),
  );
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = cpuSeconds(pid);
    if (seconds !== null) out.set(pid, seconds);
  }
  return out;
}
