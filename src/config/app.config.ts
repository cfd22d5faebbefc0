import * as path from 'node:path';
import type { StorageEngine } from '@app/storage/ports/catalog.types';

export interface AuthConfig {
  jwtSecret: string | null;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
  /** true when the secret was generated for development */
  development: boolean;
}

export interface AuthClientConfig {
  tokenUrl: string | null;
  clientId: string | null;
  clientSecret: string | null;
  scope: string | null;
  audience: string | null;
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
  dispatcherEnabled: boolean;
  rateLimitPerMinute: number;
  logLevel: string;
  corsOrigins: string[];
  shutdownGraceSeconds: number;
  /** after SIGTERM, keep serving (readiness already 503) this long so load balancers stop sending traffic */
  shutdownDelaySeconds: number;
  handlerWorkers: number;
  globalConcurrency: number;
  auth: AuthConfig;
  authClient: AuthClientConfig;
  /** MAILROOM_ENV__X → X */
  handlerEnv: Record<string, string>;
  /** MAILROOM_SECRET__X → X */
  handlerSecrets: Record<string, string>;
}

export class ConfigError extends Error {
  constructor(readonly setting: string, reason: string) {
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
  return raw === null ? [] : raw.split(',').map((s) => s.trim()).filter(Boolean);
}

function prefixed(env: NodeJS.ProcessEnv, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(prefix) && key.length > prefix.length && value !== undefined) out[key.slice(prefix.length)] = value;
  }
  return out;
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
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:', 'mysql:', 'mariadb:', 'mssql:']);
  return {
    production,
    port: integer(env, 'PORT', 3000, 0, 65535),
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? './data'),
    configDir: path.resolve(text(env, 'CONFIG_DIR') ?? './config'),
    databaseUrl,
    migrationsRun: bool(env, 'MIGRATIONS_RUN', true),
    ...storageEngines(env, databaseUrl),
    sqlAllowedHosts: list(env, 'SQL_ALLOWED_HOSTS').map((h) => h.toLowerCase()),
    sqlPlaceholders: prefixed(env, 'MAILROOM_SQL__'),
    sqlMaxPoolSize: integer(env, 'SQL_MAX_POOL_SIZE', 20, 1, 100),
    sqlMaxPools: integer(env, 'SQL_MAX_POOLS', 10, 1, 1000),
    messageMaxBytes: integer(env, 'MESSAGE_MAX_BYTES', 262144, 1024, 64 * 1024 * 1024),
    dispatcherEnabled: bool(env, 'DISPATCHER_ENABLED', true),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 0, 0, 1_000_000),
    logLevel,
    corsOrigins: list(env, 'CORS_ORIGINS'),
    shutdownGraceSeconds: integer(env, 'SHUTDOWN_GRACE_SECONDS', 20, 0, 3600),
    shutdownDelaySeconds: integer(env, 'SHUTDOWN_DELAY_SECONDS', 0, 0, 300),
    handlerWorkers: integer(env, 'HANDLER_WORKERS', 2, 1, 64),
    globalConcurrency: integer(env, 'DISPATCHER_GLOBAL_CONCURRENCY', 64, 1, 4096),
    auth: {
      jwtSecret,
      jwksUrl,
      issuer: text(env, 'AUTH_ISSUER'),
      audience: text(env, 'AUTH_AUDIENCE'),
      development: false,
    },
    authClient: {
      tokenUrl: url(env, 'AUTH_CLIENT_TOKEN_URL', ['https:', 'http:']),
      clientId: text(env, 'AUTH_CLIENT_ID'),
      clientSecret: text(env, 'AUTH_CLIENT_SECRET'),
      scope: text(env, 'AUTH_CLIENT_SCOPE'),
      audience: text(env, 'AUTH_CLIENT_AUDIENCE'),
    },
    handlerEnv: prefixed(env, 'MAILROOM_ENV__'),
    handlerSecrets: prefixed(env, 'MAILROOM_SECRET__'),
  };
}
