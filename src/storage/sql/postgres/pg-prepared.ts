import type { Pool, PoolClient, QueryResult } from 'pg';

/** How long a connection keeps a prepared statement (and the plan Postgres cached for it). */
export const PLAN_LIFETIME_MS = 10_000;

const OWN_NAME = /^mailroom_[a-z0-9_]+$/;

/** node-postgres keeps the names a connection has prepared here (not in its typings). */
interface WithParsedStatements {
  connection?: { parsedStatements?: Record<string, string> };
}

/**
 * Named statements on Postgres whose cached plans never get old. After five executions Postgres
 * may switch a prepared statement to one generic plan, chosen from the statistics of that moment
 * and kept until the next ANALYZE; a plan made while the table was small (a sequential scan) would
 * then stay while the table grows. So each name carries a generation that changes every
 * PLAN_LIFETIME_MS: a connection prepares the statement afresh in each generation and deallocates
 * the ones of earlier generations first, so it holds at most one copy of each.
 */
export class PgPreparedStatements {
  private readonly generationOf = new WeakMap<PoolClient, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly lifetimeMs = PLAN_LIFETIME_MS,
  ) {}

  /** Runs `text` as the prepared statement `name` (mailroom_…) on a connection from `pool`. */
  async query(pool: Pool, name: string, text: string, values: unknown[]): Promise<QueryResult> {
    if (!OWN_NAME.test(name)) throw new Error(`prepared statement names must match ${OWN_NAME}: ${name}`);
    const generation = Math.floor(this.now() / this.lifetimeMs);
    const client = await pool.connect();
    // as pool.query does: listen for the connection failing while it is ours, and do not reuse it afterwards
    let failure: Error | undefined;
    const onError = (error: Error) => void (failure ??= error);
    client.on('error', onError);
    try {
      if (this.generationOf.get(client) !== generation) {
        await this.dropEarlier(client, generation);
        this.generationOf.set(client, generation);
      }
      return await client.query({ name: `${name}_g${generation}`, text, values });
    } catch (error) {
      failure ??= error as Error;
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(failure);
    }
  }

  private async dropEarlier(client: PoolClient, generation: number): Promise<void> {
    const parsed = (client as unknown as WithParsedStatements).connection?.parsedStatements;
    if (!parsed) return;
    for (const name of Object.keys(parsed)) {
      if (OWN_NAME.test(name) && !name.endsWith(`_g${generation}`)) {
        await client.query(`DEALLOCATE ${name}`);
        delete parsed[name];
      }
    }
  }
}
