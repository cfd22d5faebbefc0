import { DomainError } from '@app/common/domain-error';
import { redact } from '@app/storage/sql/connection-string';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'POOL_CLOSED',
  // mssql / tedious
  'ESOCKET',
  'ETIMEOUT',
  'ECONNCLOSED',
  'ENOTOPEN',
  'ELOGIN',
  // postgres: admin shutdown, crash shutdown, cannot connect now, too many connections
  '57P01',
  '57P02',
  '57P03',
  '53300',
  // the database is gone or its login refused: postgres, mysql/mariadb
  '3D000',
  '28P01',
  '28000',
  'ER_BAD_DB_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
]);

const CONNECTION_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|connection (was )?closed|not connected|client has encountered a connection error|cannot use a pool after calling end|connection is closed|server closed the connection|read ECONNRESET|Connection lost/i;

function codes(error: unknown): string[] {
  const out: string[] = [];
  let current = error as { code?: unknown; errno?: unknown; driverError?: unknown; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    if (typeof current.code === 'string') out.push(current.code);
    current = (current.driverError ?? current.originalError ?? current.cause) as typeof current;
  }
  return out;
}

/** True for errors that mean "the database cannot be reached", as opposed to a failing statement. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof DomainError) return false;
  if (codes(error).some((code) => CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  const message = error instanceof Error ? error.message : String(error);
  return CONNECTION_MESSAGES.test(message) || (error instanceof AggregateError && error.errors.some(isConnectionError));
}

const MISSING_SCHEMA_CODES = new Set(['42P01', '3F000', 'ER_NO_SUCH_TABLE']);

/** True when Mailroom's tables are gone (the database was dropped and created again, empty). */
export function isMissingSchemaError(error: unknown): boolean {
  if (error instanceof DomainError) return false;
  if (codes(error).some((code) => MISSING_SCHEMA_CODES.has(code))) return true;
  const e = error as { number?: unknown; driverError?: { number?: unknown } };
  return e?.number === 208 || e?.driverError?.number === 208;
}

/** A reason that can be shown: the driver's message with every credential removed. */
export function safeReason(error: unknown, secrets: Array<string | null | undefined>): string {
  const code = codes(error)[0];
  let message =
    error instanceof AggregateError && error.errors.length ? (error.errors[0] as Error).message : error instanceof Error ? error.message : String(error);
  if (!message && code) message = code;
  message = redact(message, secrets).split('\n')[0].slice(0, 300);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
