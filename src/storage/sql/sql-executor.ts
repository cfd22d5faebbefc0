import type { DataSource, QueryRunner } from 'typeorm';
import type { Run, SqlResult, SqlStatement } from '@app/storage/sql/sql-statement';

/** How a dialect sends statements to a connected DataSource. Errors go back unmapped (SqlDatabase maps them). */
export abstract class SqlExecutor {
  abstract query(ds: DataSource, statement: SqlStatement): Promise<SqlResult>;
  abstract transaction<T>(ds: DataSource, work: (run: Run) => Promise<T>): Promise<T>;
}

/** Through TypeORM QueryRunners, one per statement or transaction. */
export class QueryRunnerExecutor extends SqlExecutor {
  async query(ds: DataSource, statement: SqlStatement): Promise<SqlResult> {
    const runner = ds.createQueryRunner();
    try {
      return await exec(runner, statement);
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  async transaction<T>(ds: DataSource, work: (run: Run) => Promise<T>): Promise<T> {
    const runner = ds.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      try {
        const out = await work((statement) => exec(runner, statement));
        await runner.commitTransaction();
        return out;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    } finally {
      await runner.release().catch(() => undefined);
    }
  }
}

async function exec(runner: QueryRunner, statement: SqlStatement): Promise<SqlResult> {
  const result = await runner.query(statement.sql, statement.params, true);
  return { records: (result.records ?? []) as Array<Record<string, unknown>>, affected: result.affected ?? 0 };
}
