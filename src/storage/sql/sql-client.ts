import type { StorageAvailability } from '@app/storage/ports/message.store';
import type { SqlConnectionOptions } from '@app/storage/sql/connection-string';
import type { Run, SqlResult, SqlStatement } from '@app/storage/sql/sql-statement';

/**
 * What a message store needs of its database (SqlDatabase): statements, transactions, its
 * health. The stores depend on this rather than on SqlDatabase, which picks them through its dialect.
 */
export abstract class SqlClient {
  abstract readonly target: SqlConnectionOptions;
  abstract query(statement: SqlStatement): Promise<SqlResult>;
  /** Runs `work` in one transaction on one connection; rolled back if it throws. */
  abstract transaction<T>(work: (run: Run) => Promise<T>): Promise<T>;
  abstract ping(): Promise<void>;
  abstract availability(): StorageAvailability;
  /** A driver error as it may be shown: free of credentials. */
  abstract reason(error: unknown): string;
}
