import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { PgPreparedStatements } from '@app/storage/sql/postgres/pg-prepared';
import { isConnectionError } from '@app/storage/sql/sql-errors';
import { QueryRunnerExecutor } from '@app/storage/sql/sql-executor';
import type { Run, SqlResult, SqlStatement } from '@app/storage/sql/sql-statement';

/**
 * The Postgres hot path: straight to the pool TypeORM created (its QueryRunner costs about
 * 0.1 ms of CPU per statement, more than the statement itself).
 */
export class PgPoolExecutor extends QueryRunnerExecutor {
  /**
   * Statements with a name are prepared on each connection (skipping the parse and plan that
   * otherwise cost more server CPU than running them); null when `preparedStatements=false`.
   */
  constructor(private readonly prepared: PgPreparedStatements | null) {
    super();
  }

  override async query(ds: DataSource, statement: SqlStatement): Promise<SqlResult> {
    const pool = pgPool(ds);
    if (!pool) return super.query(ds, statement);
    const result =
      statement.name && this.prepared
        ? await this.prepared.query(pool, statement.name, statement.sql, statement.params)
        : await pool.query(statement.sql, statement.params);
    return { records: (result.rows ?? []) as Record<string, unknown>[], affected: result.rowCount ?? 0 };
  }

  override async transaction<T>(ds: DataSource, work: (run: Run) => Promise<T>): Promise<T> {
    const pool = pgPool(ds);
    if (!pool) return super.transaction(ds, work);
    let client: PoolClient | null = null;
    let broken = false;
    try {
      client = await pool.connect();
      const c = client;
      await c.query('BEGIN');
      try {
        const out = await work(async (statement) => {
          const result = await c.query(statement.sql, statement.params);
          return { records: (result.rows ?? []) as Record<string, unknown>[], affected: result.rowCount ?? 0 };
        });
        await c.query('COMMIT');
        return out;
      } catch (error) {
        await c.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
    } catch (error) {
      broken ||= isConnectionError(error);
      throw error;
    } finally {
      client?.release(broken);
    }
  }
}

/** The pg Pool behind a postgres DataSource (TypeORM's driver keeps it as `master`). */
function pgPool(ds: DataSource): Pool | null {
  return (ds.driver as unknown as { master?: Pool }).master ?? null;
}
