import { isIP } from 'node:net';
export type IntegrationAuth =
  | { type: 'none' }
  /** a header whose value is MAILROOM_SECRET__<secret>, with an optional prefix such as "Bearer " */
  | { type: 'header'; header: string; secret: string; prefix: string }
  /** `Authorization: Bearer <token>` from AUTH_CLIENT_* (the token authClientProvider returns) */
  | { type: 'oauth2-client-credentials' };

export interface IntegrationDefinition {
  name: string;
  baseUrl: URL;
  auth: IntegrationAuth;
  timeoutMs: number;
  retries: { attempts: number; backoffMs: number; methods: string[] };
  allowedMethods: string[];
  /** path prefixes under baseUrl; "/" allows every path */
  allowedPaths: string[];
  maxResponseBytes: number;
  /** sent with every request (the handler cannot override the auth header) */
  headers: Record<string, string>;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
export const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'];
const FIELDS = ['baseUrl', 'auth', 'timeoutMs', 'retries', 'allowedMethods', 'allowedPaths', 'maxResponseBytes', 'headers', 'description'];
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,4096}$/;
const SECRET_NAME = /^[A-Za-z0-9_]{1,200}$/;
/** headers only Mailroom sets (or that would change how the request is framed or routed) */
export const RESERVED_HEADERS = ['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-authorization'];

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function wholeNumber(value: unknown, what: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new Error(`${what} must be a whole number from ${min} to ${max}`);
  return value;
}

function methods(value: unknown, what: string, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.some((m) => typeof m !== 'string' || !METHODS.includes(m.toUpperCase()))) {
    throw new Error(`${what} must be a list of ${METHODS.join(', ')}`);
  }
  return [...new Set((value as string[]).map((m) => m.toUpperCase()))];
}

function auth(value: unknown, secrets: Record<string, string>): IntegrationAuth {
  if (value === undefined) return { type: 'none' };
  const raw = object(value, '"auth"');
  switch (raw.type) {
    case 'none':
      return { type: 'none' };
    case 'oauth2-client-credentials':
      return { type: 'oauth2-client-credentials' };
    case 'header': {
      const header = raw.header ?? 'Authorization';
      if (typeof header !== 'string' || !HEADER_NAME.test(header) || RESERVED_HEADERS.includes(header.toLowerCase()))
        throw new Error('"auth.header" must be a header name');
      if (typeof raw.secret !== 'string' || !SECRET_NAME.test(raw.secret)) {
        throw new Error('"auth.secret" must name a secret (X for the setting MAILROOM_SECRET__X); the value never goes in the file');
      }
      if (!Object.prototype.hasOwnProperty.call(secrets, raw.secret)) throw new Error(`"auth.secret" names MAILROOM_SECRET__${raw.secret}, which is not set`);
      const prefix = raw.prefix ?? '';
      if (typeof prefix !== 'string' || !HEADER_VALUE.test(prefix)) throw new Error('"auth.prefix" must be a string such as "Bearer "');
      return { type: 'header', header, secret: raw.secret, prefix };
    }
    default:
      throw new Error('"auth.type" must be none, header or oauth2-client-credentials');
  }
}

/** Validates `config/integrations/<name>.json`. Throws an Error saying what is wrong (never a secret's value). */
export function parseIntegration(value: unknown, name: string, secrets: Record<string, string>): IntegrationDefinition {
  const raw = object(value, 'the file');
  const unknown = Object.keys(raw).filter((key) => !FIELDS.includes(key));
  if (unknown.length) throw new Error(`unknown field(s) ${unknown.join(', ')}`);
  let baseUrl: URL;
  try {
    baseUrl = new URL(String(raw.baseUrl));
  } catch {
    throw new Error('"baseUrl" must be an http(s) URL');
  }
  if (typeof raw.baseUrl !== 'string' || !['http:', 'https:'].includes(baseUrl.protocol)) throw new Error('"baseUrl" must be an http(s) URL');
  if (baseUrl.username || baseUrl.password) throw new Error('"baseUrl" must not hold credentials: use "auth"');
  if (baseUrl.search || baseUrl.hash) throw new Error('"baseUrl" must not have a query or fragment');
  const allowedMethods = methods(raw.allowedMethods, '"allowedMethods"', ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
  const retries = raw.retries === undefined ? {} : object(raw.retries, '"retries"');
  const unknownRetry = Object.keys(retries).filter((key) => !['attempts', 'backoffMs', 'methods'].includes(key));
  if (unknownRetry.length) throw new Error(`unknown field(s) retries.${unknownRetry.join(', retries.')}`);
  const allowedPaths = raw.allowedPaths ?? ['/'];
  if (
    !Array.isArray(allowedPaths) ||
    allowedPaths.length === 0 ||
    allowedPaths.some((p) => typeof p !== 'string' || !p.startsWith('/') || p.includes('..') || p.length > 1000)
  ) {
    throw new Error('"allowedPaths" must be a non-empty list of path prefixes starting with /');
  }
  const headers: Record<string, string> = {};
  for (const [header, headerValue] of Object.entries(raw.headers === undefined ? {} : object(raw.headers, '"headers"'))) {
    if (!HEADER_NAME.test(header) || RESERVED_HEADERS.includes(header.toLowerCase()) || typeof headerValue !== 'string' || !HEADER_VALUE.test(headerValue)) {
      throw new Error(`"headers.${header.slice(0, 100)}" must be a header name with a string value`);
    }
    headers[header.toLowerCase()] = headerValue;
  }
  return {
    name,
    baseUrl,
    auth: auth(raw.auth, secrets),
    timeoutMs: wholeNumber(raw.timeoutMs, '"timeoutMs"', 10_000, 1, 300_000),
    retries: {
      attempts: wholeNumber(retries.attempts, '"retries.attempts"', 0, 0, 10),
      backoffMs: wholeNumber(retries.backoffMs, '"retries.backoffMs"', 200, 0, 60_000),
      methods: methods(retries.methods, '"retries.methods"', IDEMPOTENT_METHODS),
    },
    allowedMethods,
    allowedPaths: allowedPaths as string[],
    maxResponseBytes: wholeNumber(raw.maxResponseBytes, '"maxResponseBytes"', 1024 * 1024, 1, 64 * 1024 * 1024),
    headers,
  };
}

/** The host:port a URL connects to (default ports filled in), lower case. */
export function hostAndPort(url: URL): { host: string; port: string } {
  return { host: url.hostname.toLowerCase(), port: url.port || (url.protocol === 'https:' ? '443' : '80') };
}

/** `host` entries allow every port of that host, `host:port` entries exactly that port. */
export function isHostAllowed(url: URL, allowed: string[]): boolean {
  const { host, port } = hostAndPort(url);
  return allowed.some((entry) => entry === host || entry === `${host}:${port}`);
}

const RESTRICTED_V4: [number, number][] = [
  [0x00000000, 8], // "this" network, 0.0.0.0
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local, cloud metadata (169.254.169.254)
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, broadcast
];

function v4Number(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/**
 * Loopback, link-local (cloud metadata), unspecified, multicast and broadcast addresses: a host
 * name may resolve to one only when the allowlist names that address itself.
 */
export function isRestrictedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isRestrictedAddress(mapped[1]);
  if (isIP(address) === 4) {
    const n = v4Number(address);
    return RESTRICTED_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
  }
  const lower = address.toLowerCase();
  return lower === '::' || lower === '::1' || /^fe[89ab][0-9a-f]?:/.test(lower) || lower.startsWith('ff');
}
