import * as fs from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import type { StorageEngine } from '@app/domain/queue';

export interface AuthConfig {
  jwtSecret: string | null;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
  /** true when the secret was generated for development */
  development: boolean;
  /** allowed clock skew for exp, nbf and iat */
  clockToleranceSeconds: number;
  /** failed authentications per client address per minute before 429 (0 = no limit) */
  failureLimitPerMinute: number;
}

export interface HttpLimitsConfig {
  /** the whole request, headers and body, must arrive within this (server.requestTimeout) */
  requestTimeoutSeconds: number;
  /** the headers must arrive within this (server.headersTimeout) */
  headersTimeoutSeconds: number;
  /** a request body may pause at most this long between chunks */
  bodyIdleTimeoutSeconds: number;
}

export interface LongPollConfig {
  /** long polls (receive with waitSeconds > 0) held open at once by one subject */
  maxPerSubject: number;
  /** long polls held open at once by this process */
  max: number;
}

export interface AuthClientConfig {
  tokenUrl: string | null;
  clientId: string | null;
  clientSecret: string | null;
  scope: string | null;
  audience: string | null;
}

/** One access key of the SQS endpoint (SQS_CREDENTIALS_FILE). */
export interface SqsCredential {
  accessKeyId: string;
  secretAccessKey: string;
  subject: string;
  roles: string[];
}

export interface SqsConfig {
  /** null: the SQS listener is off; 'ephemeral': any free port (tests) */
  port: number | 'ephemeral' | null;
  accountId: string;
  region: string;
  credentials: SqsCredential[];
  /** SQS_CREDENTIALS_FILE as set, and whether it was absent (an optional Secret not mounted): then there are no keys */
  credentialsFile: { path: string; missing: boolean } | null;
}

/** Settings of the services handlers get on `this` (integrations, identity lookups). */
export interface HandlerToolboxConfig {
  /** INTEGRATION_ALLOWED_HOSTS: `host` or `host:port` entries integrations may call; empty: none */
  integrationAllowedHosts: string[];
  /** IDM_USERINFO_URL: OIDC userinfo or admin API URL (`{subject}` is replaced); null: getUserInfo is off */
  idmUserinfoUrl: string | null;
  idmCacheTtlSeconds: number;
  idmCacheMaxEntries: number;
}

export interface AppConfig {
  production: boolean;
  port: number;
  dataDir: string;
  configDir: string;
  databaseUrl: string | null;
  migrationsRun: boolean;
  /** STORAGE_ENGINES: the engines queues may use */
  storageEngines: StorageEngine[];
  /** the engine of a queue that names none: sql with DATABASE_URL (when allowed), else filesystem */
  defaultStorageEngine: StorageEngine;
  sqlAllowedHosts: string[];
  /** MAILROOM_SQL__X → value: the only variables `${MAILROOM_SQL__X}` placeholders in connection strings may name */
  sqlPlaceholders: Record<string, string>;
  /** the largest `poolSize` a queue's connection string may ask for */
  sqlMaxPoolSize: number;
  /** distinct SQL connection pools (DATABASE_URL's included) open at once */
  sqlMaxPools: number;
  messageMaxBytes: number;
  /** nesting levels of a message, an ack's result or error, and any request body (a bit more, for its envelope) */
  messageMaxDepth: number;
  /** a queue's incoming schema, as JSON */
  schemaMaxBytes: number;
  /** nesting levels of a queue's incoming schema (as a JSON document) */
  schemaMaxDepth: number;
  /** `pattern`s and `patternProperties` keys in one schema */
  schemaMaxPatterns: number;
  dispatcherEnabled: boolean;
  rateLimitPerMinute: number;
  logLevel: string;
  corsOrigins: string[];
  shutdownGraceSeconds: number;
  /** after SIGTERM, keep serving (readiness already 503) this long so load balancers stop sending traffic */
  shutdownDelaySeconds: number;
  handlerWorkers: number;
  globalConcurrency: number;
  /** where `require` inside a handler looks after the handler's own folders (HANDLER_MODULES_DIR) */
  handlerModulesDir: string;
  /** express "trust proxy": false, true, a hop count or addresses/CIDRs/names of trusted proxies */
  trustProxy: TrustProxy;
  /** serve /metrics on this port instead of PORT (null: on PORT, as before) */
  metricsPort: number | null;
  /** bearer token /metrics requires (null: none) */
  metricsToken: string | null;
  /** serve the OpenAPI document and Swagger UI at /docs */
  docsEnabled: boolean;
  /** CONSOLE_ENABLED: serve the operator console under /console */
  consoleEnabled: boolean;
  auth: AuthConfig;
  http: HttpLimitsConfig;
  longPoll: LongPollConfig;
  authClient: AuthClientConfig;
  sqs: SqsConfig;
  /** MAILROOM_ENV__X → X */
  handlerEnv: Record<string, string>;
  /** MAILROOM_SECRET__X → X */
  handlerSecrets: Record<string, string>;
  toolbox: HandlerToolboxConfig;
}

export type TrustProxy = boolean | number | string[];

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`Invalid setting ${setting}: ${reason}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function text(env: NodeJS.ProcessEnv, name: string): string | null {
  const value = env[name];
  return value === undefined || value.trim() === '' ? null : value.trim();
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === null) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = text(env, name);
  if (raw === null) return fallback;
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | null {
  const raw = text(env, name);
  if (raw === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(', ')}`);
  }
  return raw;
}

function list(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = text(env, name);
  return raw === null
    ? []
    : raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

export function prefixed(env: NodeJS.ProcessEnv, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(prefix) && key.length > prefix.length && value !== undefined) out[key.slice(prefix.length)] = value;
  }
  return out;
}

const ALLOWED_HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/;

function allowedHosts(env: NodeJS.ProcessEnv, name: string): string[] {
  const entries = list(env, name).map((h) => h.toLowerCase());
  const bad = entries.find((entry) => !ALLOWED_HOST.test(entry) || Number(entry.split(':').pop()) > 65535);
  if (bad !== undefined) throw new ConfigError(name, `expected a comma-separated list of host or host:port entries; "${bad}" is not one`);
  return entries;
}

function toolbox(env: NodeJS.ProcessEnv): HandlerToolboxConfig {
  return {
    integrationAllowedHosts: allowedHosts(env, 'INTEGRATION_ALLOWED_HOSTS'),
    idmUserinfoUrl: url(env, 'IDM_USERINFO_URL', ['https:', 'http:']),
    idmCacheTtlSeconds: integer(env, 'IDM_CACHE_TTL_SECONDS', 300, 0, 86_400),
    idmCacheMaxEntries: integer(env, 'IDM_CACHE_MAX_ENTRIES', 1000, 1, 1_000_000),
  };
}

const ENGINES: StorageEngine[] = ['filesystem', 'sql'];

function storageEngines(env: NodeJS.ProcessEnv, databaseUrl: string | null): { storageEngines: StorageEngine[]; defaultStorageEngine: StorageEngine } {
  const listed = list(env, 'STORAGE_ENGINES').map((e) => e.toLowerCase());
  const unknown = listed.filter((e) => !ENGINES.includes(e as StorageEngine));
  if (unknown.length) throw new ConfigError('STORAGE_ENGINES', `unknown engine "${unknown[0]}"; use filesystem, sql or both (comma-separated)`);
  const allowed = listed.length ? ENGINES.filter((e) => listed.includes(e)) : ENGINES;
  if (!allowed.includes('filesystem') && !databaseUrl) {
    throw new ConfigError('STORAGE_ENGINES', 'allowing only sql needs DATABASE_URL (the catalog and queues without a connectionString live there)');
  }
  const defaultStorageEngine = (databaseUrl && allowed.includes('sql')) || !allowed.includes('filesystem') ? 'sql' : 'filesystem';
  return { storageEngines: allowed, defaultStorageEngine };
}

function sqsPort(env: NodeJS.ProcessEnv): SqsConfig['port'] {
  if (text(env, 'SQS_PORT')?.toLowerCase() === 'ephemeral') return 'ephemeral';
  const port = integer(env, 'SQS_PORT', 9324, 0, 65535);
  return port === 0 ? null : port;
}

const ACCESS_KEY_ID = /^[A-Za-z0-9_+=.@-]{1,128}$/;

/** The access keys of the SQS endpoint: a JSON list of {accessKeyId, secretAccessKey, subject, roles}. Never echoes a secret. */
export function parseSqsCredentials(raw: string, setting = 'SQS_CREDENTIALS_FILE'): SqsCredential[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(setting, 'is not valid JSON');
  }
  if (!Array.isArray(parsed)) throw new ConfigError(setting, 'must hold a JSON list of {accessKeyId, secretAccessKey, subject, roles}');
  const seen = new Set<string>();
  return parsed.map((item: unknown, index) => {
    const entry = (item ?? {}) as Record<string, unknown>;
    const where = `entry ${index}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ConfigError(setting, `${where} must be an object`);
    const unknownKeys = Object.keys(entry).filter((key) => !['accessKeyId', 'secretAccessKey', 'subject', 'roles'].includes(key));
    if (unknownKeys.length) throw new ConfigError(setting, `${where} has unknown field(s) ${unknownKeys.join(', ')}`);
    if (typeof entry.accessKeyId !== 'string' || !ACCESS_KEY_ID.test(entry.accessKeyId)) {
      throw new ConfigError(setting, `${where}: accessKeyId must be 1-128 characters of A-Z a-z 0-9 _+=.@-`);
    }
    if (seen.has(entry.accessKeyId)) throw new ConfigError(setting, `${where}: accessKeyId ${entry.accessKeyId} appears twice`);
    seen.add(entry.accessKeyId);
    if (typeof entry.secretAccessKey !== 'string' || entry.secretAccessKey.length < 16 || entry.secretAccessKey.length > 512) {
      throw new ConfigError(setting, `${where} (${entry.accessKeyId}): secretAccessKey must be a string of 16 to 512 characters`);
    }
    if (typeof entry.subject !== 'string' || entry.subject.trim() === '' || entry.subject.length > 200) {
      throw new ConfigError(setting, `${where} (${entry.accessKeyId}): subject must be a non-empty string of at most 200 characters`);
    }
    const roles = entry.roles ?? [];
    if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string' || role === '' || role.length > 200)) {
      throw new ConfigError(setting, `${where} (${entry.accessKeyId}): roles must be a list of non-empty strings`);
    }
    return { accessKeyId: entry.accessKeyId, secretAccessKey: entry.secretAccessKey, subject: entry.subject, roles: roles as string[] };
  });
}

/**
 * A file that does not exist is no keys (the SQS endpoint then refuses every request), so an
 * optional Kubernetes Secret can stay unmounted; a file that exists but cannot be read or parsed stops the start.
 */
function sqsCredentials(env: NodeJS.ProcessEnv): Pick<SqsConfig, 'credentials' | 'credentialsFile'> {
  const file = text(env, 'SQS_CREDENTIALS_FILE');
  if (file === null) return { credentials: [], credentialsFile: null };
  let raw: string;
  try {
    raw = fs.readFileSync(path.resolve(file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { credentials: [], credentialsFile: { path: file, missing: true } };
    throw new ConfigError('SQS_CREDENTIALS_FILE', `cannot read ${file} (${code ?? 'error'})`);
  }
  return { credentials: parseSqsCredentials(raw), credentialsFile: { path: file, missing: false } };
}

function sqsConfig(env: NodeJS.ProcessEnv): SqsConfig {
  const accountId = text(env, 'SQS_ACCOUNT_ID') ?? '000000000000';
  if (!/^\d{12}$/.test(accountId)) throw new ConfigError('SQS_ACCOUNT_ID', 'must be 12 digits');
  const region = text(env, 'SQS_REGION') ?? 'us-east-1';
  if (!/^[a-z0-9-]{1,40}$/.test(region)) throw new ConfigError('SQS_REGION', 'must be a region name such as us-east-1');
  return { port: sqsPort(env), accountId, region, ...sqsCredentials(env) };
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function proxyAddress(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const [address, range, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (range === undefined) return true;
  if (/^\d+$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

/** TRUST_PROXY as express takes it: off by default; true; a hop count; or trusted proxy addresses. */
function trustProxy(env: NodeJS.ProcessEnv): TrustProxy {
  const raw = text(env, 'TRUST_PROXY');
  if (raw === null || /^(false|off|no)$/i.test(raw)) return false;
  if (/^(true|on|yes)$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) return integer(env, 'TRUST_PROXY', 0, 0, 100);
  const entries = list(env, 'TRUST_PROXY');
  const bad = entries.find((entry) => !proxyAddress(entry));
  if (bad !== undefined) {
    throw new ConfigError(
      'TRUST_PROXY',
      `expected false, true, a hop count, or a comma-separated list of ${PROXY_NAMES.join(', ')}, IP addresses and CIDR ranges; "${bad}" is none of them`,
    );
  }
  return entries;
}

function metricsToken(env: NodeJS.ProcessEnv): string | null {
  const token = text(env, 'METRICS_TOKEN');
  if (token !== null && (token.length < 16 || /\s/.test(token))) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters without spaces');
  return token;
}

/** DATABASE_URL alone, validated as loadConfig does (the migration entry point needs no auth settings). */
export function databaseUrlSetting(env: NodeJS.ProcessEnv): string | null {
  return url(env, 'DATABASE_URL', ['postgres:', 'postgresql:', 'mysql:', 'mariadb:', 'mssql:']);
}

/** Reads and validates the environment. Throws ConfigError naming the setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const logLevel = (text(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const jwtSecret = text(env, 'AUTH_JWT_SECRET');
  if (jwtSecret !== null && Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError('AUTH_JWT_SECRET', 'must be at least 32 bytes long (HS256)');
  }
  const jwksUrl = url(env, 'AUTH_JWKS_URL', ['https:', 'http:']);
  if (jwtSecret && jwksUrl) throw new ConfigError('AUTH_JWKS_URL', 'set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
  if (production && !jwtSecret && !jwksUrl) {
    throw new ConfigError('AUTH_JWT_SECRET', 'NODE_ENV=production needs AUTH_JWT_SECRET or AUTH_JWKS_URL');
  }
  const requestTimeoutSeconds = integer(env, 'HTTP_REQUEST_TIMEOUT_SECONDS', 30, 1, 3600);
  const headersTimeoutSeconds = integer(env, 'HTTP_HEADERS_TIMEOUT_SECONDS', Math.min(10, requestTimeoutSeconds), 1, 3600);
  if (headersTimeoutSeconds > requestTimeoutSeconds) {
    throw new ConfigError('HTTP_HEADERS_TIMEOUT_SECONDS', `must not exceed HTTP_REQUEST_TIMEOUT_SECONDS (${requestTimeoutSeconds})`);
  }
  const longPollMax = integer(env, 'LONG_POLL_MAX', 1000, 1, 1_000_000);
  const databaseUrl = databaseUrlSetting(env);
  const configDir = path.resolve(text(env, 'CONFIG_DIR') ?? './config');
  const metricsPort = integer(env, 'METRICS_PORT', 0, 0, 65535);
  return {
    production,
    port: integer(env, 'PORT', 3000, 0, 65535),
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? './data'),
    configDir,
    databaseUrl,
    migrationsRun: bool(env, 'MIGRATIONS_RUN', true),
    ...storageEngines(env, databaseUrl),
    sqlAllowedHosts: list(env, 'SQL_ALLOWED_HOSTS').map((h) => h.toLowerCase()),
    sqlPlaceholders: prefixed(env, 'MAILROOM_SQL__'),
    sqlMaxPoolSize: integer(env, 'SQL_MAX_POOL_SIZE', 20, 1, 100),
    sqlMaxPools: integer(env, 'SQL_MAX_POOLS', 10, 1, 1000),
    messageMaxBytes: integer(env, 'MESSAGE_MAX_BYTES', 262144, 1024, 64 * 1024 * 1024),
    messageMaxDepth: integer(env, 'MESSAGE_MAX_DEPTH', 100, 1, 1000),
    schemaMaxBytes: integer(env, 'SCHEMA_MAX_BYTES', 65536, 1024, 1024 * 1024),
    schemaMaxDepth: integer(env, 'SCHEMA_MAX_DEPTH', 32, 2, 256),
    schemaMaxPatterns: integer(env, 'SCHEMA_MAX_PATTERNS', 32, 0, 10_000),
    dispatcherEnabled: bool(env, 'DISPATCHER_ENABLED', true),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 0, 0, 1_000_000),
    logLevel,
    corsOrigins: list(env, 'CORS_ORIGINS'),
    shutdownGraceSeconds: integer(env, 'SHUTDOWN_GRACE_SECONDS', 20, 0, 3600),
    shutdownDelaySeconds: integer(env, 'SHUTDOWN_DELAY_SECONDS', 0, 0, 300),
    handlerWorkers: integer(env, 'HANDLER_WORKERS', 2, 1, 64),
    globalConcurrency: integer(env, 'DISPATCHER_GLOBAL_CONCURRENCY', 64, 1, 4096),
    handlerModulesDir: path.resolve(configDir, text(env, 'HANDLER_MODULES_DIR') ?? 'handlers/node_modules'),
    trustProxy: trustProxy(env),
    metricsPort: metricsPort === 0 ? null : metricsPort,
    metricsToken: metricsToken(env),
    docsEnabled: bool(env, 'DOCS_ENABLED', !production),
    consoleEnabled: bool(env, 'CONSOLE_ENABLED', true),
    auth: {
      jwtSecret,
      jwksUrl,
      issuer: text(env, 'AUTH_ISSUER'),
      audience: text(env, 'AUTH_AUDIENCE'),
      development: false,
      clockToleranceSeconds: integer(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', 60, 0, 600),
      failureLimitPerMinute: integer(env, 'AUTH_FAILURE_LIMIT_PER_MINUTE', 60, 0, 1_000_000),
    },
    http: {
      requestTimeoutSeconds,
      headersTimeoutSeconds,
      bodyIdleTimeoutSeconds: integer(env, 'HTTP_BODY_IDLE_TIMEOUT_SECONDS', Math.min(10, requestTimeoutSeconds), 1, 3600),
    },
    longPoll: {
      maxPerSubject: Math.min(longPollMax, integer(env, 'LONG_POLL_MAX_PER_SUBJECT', 100, 1, 1_000_000)),
      max: longPollMax,
    },
    authClient: {
      tokenUrl: url(env, 'AUTH_CLIENT_TOKEN_URL', ['https:', 'http:']),
      clientId: text(env, 'AUTH_CLIENT_ID'),
      clientSecret: text(env, 'AUTH_CLIENT_SECRET'),
      scope: text(env, 'AUTH_CLIENT_SCOPE'),
      audience: text(env, 'AUTH_CLIENT_AUDIENCE'),
    },
    sqs: sqsConfig(env),
    handlerEnv: prefixed(env, 'MAILROOM_ENV__'),
    handlerSecrets: prefixed(env, 'MAILROOM_SECRET__'),
    toolbox: toolbox(env),
  };
}
