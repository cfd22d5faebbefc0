import type { SqlDialectName } from '@app/storage/sql/connection-string';
import { MssqlDialect } from '@app/storage/sql/mssql/mssql-dialect';
import { MysqlDialect } from '@app/storage/sql/mysql/mysql-dialect';
import { PostgresDialect } from '@app/storage/sql/postgres/postgres-dialect';
import type { SqlDialect } from '@app/storage/sql/sql-dialect';

const DIALECTS: Record<SqlDialectName, () => SqlDialect> = {
  postgres: () => new PostgresDialect(),
  mysql: () => new MysqlDialect('mysql'),
  mariadb: () => new MysqlDialect('mariadb'),
  mssql: () => new MssqlDialect(),
};

/** The dialect of a connection string's scheme. */
export function sqlDialect(name: SqlDialectName): SqlDialect {
  return DIALECTS[name]();
}
