import { DomainError } from '@app/common/domain-error';
import { maskValuesAnyCase, scrubUrlCredentials, valueForms } from '@app/common/secrets';

export type SqlDialectName = 'postgres' | 'mysql' | 'mariadb' | 'mssql';

const DIALECTS: Record<string, SqlDialectName> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mariadb',
  'mssql:': 'mssql',
  'sqlserver:': 'mssql',
};

const DEFAULT_PORTS: Record<SqlDialectName, number> = { postgres: 5432, mysql: 3306, mariadb: 3306, mssql: 1433 };

/**
 * Options that make the driver open files or sockets on the server host, or run more than
 * the statements Mailroom sends. They are refused by name so the error is explicit.
 */
const FORBIDDEN_OPTIONS = new Set([
  'sslkey',
  'sslcert',
  'sslrootcert',
  'sslcrl',
  'sslpassword',
  'passfile',
  'service',
  'servicefile',
  'host',
  'hostaddr',
  'socket',
  'socketpath',
  'unix_socket',
  'localaddress',
  'localinfile',
  'local_infile',
  'infilestreamfactory',
  'multiplestatements',
  'flags',
  'ssl_key',
  'ssl_cert',
  'ssl_ca',
  'sslca',
  'ca',
  'cert',
  'key',
  'pfx',
]);

/** Options a connection string may carry (case-insensitive), per dialect; everything else is refused. */
const ALLOWED_OPTIONS: Record<SqlDialectName, Set<string>> = {
  postgres: new Set(['sslmode', 'ssl', 'schema', 'application_name', 'connect_timeout', 'poolsize', 'preparedstatements']),
  mysql: new Set(['ssl', 'sslmode', 'charset', 'timezone', 'connecttimeout', 'connect_timeout', 'poolsize']),
  mariadb: new Set(['ssl', 'sslmode', 'charset', 'timezone', 'connecttimeout', 'connect_timeout', 'poolsize']),
  mssql: new Set(['encrypt', 'trustservercertificate', 'connecttimeout', 'connect_timeout', 'poolsize', 'instancename']),
};

export interface SqlConnectionOptions {
  dialect: SqlDialectName;
  host: string;
  port: number;
  username: string | null;
  password: string | null;
  database: string | null;
  /** lower-cased option names */
  options: Record<string, string>;
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Placeholders may only name environment variables with this prefix, e.g. `${MAILROOM_SQL__ORDERS_PASSWORD}`. */
export const SQL_PLACEHOLDER_PREFIX = 'MAILROOM_SQL__';

export interface FilledPlaceholder {
  /** `${MAILROOM_SQL__X}`, as written in the template */
  placeholder: string;
  value: string;
}

export interface ResolvedConnectionString {
  text: string;
  filled: FilledPlaceholder[];
}

/**
 * Fills `${MAILROOM_SQL__NAME}` placeholders (URL-encoded) from `values` (NAME → value, the
 * `MAILROOM_SQL__` variables of the config). Every placeholder is checked before any is filled:
 * another name is PLACEHOLDER_NOT_ALLOWED, a missing one INVALID_CONNECTION_STRING; both name
 * the placeholder, never a value.
 */
export function resolvePlaceholders(template: string, values: Readonly<Record<string, string>>): ResolvedConnectionString {
  const names = [...template.matchAll(PLACEHOLDER)].map((match) => match[1]);
  for (const name of names) {
    if (!name.startsWith(SQL_PLACEHOLDER_PREFIX)) {
      throw new DomainError(
        'PLACEHOLDER_NOT_ALLOWED',
        `The connection string refers to \${${name}}: placeholders may only name variables starting with ${SQL_PLACEHOLDER_PREFIX}`,
      );
    }
    const key = name.slice(SQL_PLACEHOLDER_PREFIX.length);
    if (!key || !Object.prototype.hasOwnProperty.call(values, key)) {
      throw new DomainError('INVALID_CONNECTION_STRING', `The connection string refers to \${${name}}, which is not set in the environment`);
    }
  }
  const filled: FilledPlaceholder[] = [];
  const text = template.replace(PLACEHOLDER, (placeholder, name: string) => {
    const value = values[name.slice(SQL_PLACEHOLDER_PREFIX.length)];
    filled.push({ placeholder, value });
    return encodeURIComponent(value);
  });
  return { text, filled };
}

/** A text with every filled value (in any of the forms a parser or driver may echo) put back as its placeholder. */
export function unfill(text: string, filled: readonly FilledPlaceholder[]): string {
  let out = text;
  for (const { placeholder, value } of [...filled].sort((a, b) => b.value.length - a.value.length)) {
    out = maskValuesAnyCase(out, valueForms(value), placeholder);
  }
  return out;
}

interface RawParts {
  scheme: string;
  userinfo: string | null;
  authority: string;
  rest: string;
}

function split(raw: string): RawParts | null {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:)\/\/([^/?#]*)(.*)$/s.exec(raw.trim());
  if (!match) return null;
  const [, scheme, authority, rest] = match;
  const at = authority.lastIndexOf('@');
  return { scheme: scheme.toLowerCase(), userinfo: at >= 0 ? authority.slice(0, at) : null, authority: at >= 0 ? authority.slice(at + 1) : authority, rest };
}

function decode(value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new DomainError('INVALID_CONNECTION_STRING', `The connection string has a badly encoded ${what}`);
  }
}

/**
 * Parses a connection string whose placeholders are already resolved. Refuses unknown
 * schemes, socket hosts and options that open files or sockets (INVALID_CONNECTION_STRING).
 */
export function parseConnectionString(resolved: string): SqlConnectionOptions {
  const parts = split(resolved);
  const dialect = parts ? DIALECTS[parts.scheme] : undefined;
  if (!parts || !dialect) {
    throw new DomainError('INVALID_CONNECTION_STRING', 'A connection string must start with postgres://, postgresql://, mysql://, mariadb:// or mssql://');
  }
  let url: URL;
  try {
    url = new URL(`http://${parts.authority}${parts.rest}`);
  } catch {
    throw new DomainError('INVALID_CONNECTION_STRING', 'The connection string is not a valid URL');
  }
  if (parts.rest.includes('#')) throw new DomainError('INVALID_CONNECTION_STRING', 'The connection string must not have a #fragment');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!host || host.includes('%') || host.startsWith('/') || parts.authority.includes(',')) {
    throw new DomainError('INVALID_CONNECTION_STRING', 'The connection string needs one TCP host (unix sockets and host lists are not allowed)');
  }
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[dialect];
  let username: string | null = null;
  let password: string | null = null;
  if (parts.userinfo !== null) {
    const colon = parts.userinfo.indexOf(':');
    username = decode(colon >= 0 ? parts.userinfo.slice(0, colon) : parts.userinfo, 'user name') || null;
    password = colon >= 0 ? decode(parts.userinfo.slice(colon + 1), 'password') : null;
  }
  const path = url.pathname.replace(/^\//, '');
  if (path.includes('/')) throw new DomainError('INVALID_CONNECTION_STRING', 'The connection string path must be just the database name');
  const database = path ? decode(path, 'database name') : null;
  const options: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    const name = key.toLowerCase();
    if (FORBIDDEN_OPTIONS.has(name)) {
      throw new DomainError(
        'INVALID_CONNECTION_STRING',
        `The connection string option "${key}" is not allowed (it would open files or sockets on the server, or run extra statements)`,
      );
    }
    if (!ALLOWED_OPTIONS[dialect].has(name)) {
      throw new DomainError(
        'INVALID_CONNECTION_STRING',
        `The connection string option "${key}" is not supported for ${dialect}; supported: ${[...ALLOWED_OPTIONS[dialect]].join(', ')}`,
      );
    }
    options[name] = value;
  }
  if (options.sslmode !== undefined && !['disable', 'prefer', 'require', 'no-verify', 'verify-ca', 'verify-full'].includes(options.sslmode.toLowerCase())) {
    throw new DomainError('INVALID_CONNECTION_STRING', `sslmode "${options.sslmode}" is not supported`);
  }
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new DomainError('INVALID_CONNECTION_STRING', 'schema must be a lower-case SQL identifier');
  }
  if (options.poolsize !== undefined && !/^([1-9]\d?|100)$/.test(options.poolsize)) {
    throw new DomainError('INVALID_CONNECTION_STRING', 'poolSize must be between 1 and 100');
  }
  if (options.preparedstatements !== undefined && !['true', 'false'].includes(options.preparedstatements)) {
    throw new DomainError('INVALID_CONNECTION_STRING', 'preparedStatements must be true or false');
  }
  return { dialect, host, port, username, password, database, options };
}

/** Reads one SQL_ALLOWED_HOSTS entry: `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
function allowEntry(entry: string): { host: string; port: number | null } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1].toLowerCase(), port: bracketed[2] ? Number(bracketed[2]) : null };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = entry.split(':');
    return { host: host.toLowerCase(), port: /^\d+$/.test(port) ? Number(port) : null };
  }
  return { host: entry.toLowerCase(), port: null };
}

/**
 * The SSRF guard: a connection string may only reach a host listed in SQL_ALLOWED_HOSTS
 * (`host` = any port, `host:port` = that port), or the exact host and port of DATABASE_URL.
 * An empty list therefore allows DATABASE_URL's server only. Names are compared as written
 * (no DNS resolution): list the names the connection strings use.
 */
export function isHostAllowed(
  target: Pick<SqlConnectionOptions, 'host' | 'port'>,
  allowedHosts: readonly string[],
  databaseUrl: SqlConnectionOptions | null,
): boolean {
  if (databaseUrl && databaseUrl.host === target.host && databaseUrl.port === target.port) return true;
  return allowedHosts.some((entry) => {
    const allowed = allowEntry(entry.trim());
    return allowed.host === target.host && (allowed.port === null || allowed.port === target.port);
  });
}

/** `shown` names the host in the error (the template's, when the host comes from a placeholder). */
export function assertHostAllowed(
  target: SqlConnectionOptions,
  allowedHosts: readonly string[],
  databaseUrl: SqlConnectionOptions | null,
  shown = `${target.host}:${target.port}`,
): void {
  if (!isHostAllowed(target, allowedHosts, databaseUrl)) {
    throw new DomainError('SQL_HOST_NOT_ALLOWED', `The database host ${shown} is not in SQL_ALLOWED_HOSTS`);
  }
}

/** The `host:port` part of a connection string as written (placeholders kept), for messages. */
export function hostOf(raw: string): string {
  return split(raw)?.authority ?? '?';
}

/** Replaces every occurrence of the given secrets (also URL-encoded) and any URL password in a text (driver error messages). */
export function redact(text: string, secrets: Array<string | null | undefined>): string {
  return scrubUrlCredentials(
    maskValuesAnyCase(
      text,
      secrets.flatMap((secret) => (secret ? valueForms(secret) : [])),
    ),
  );
}
