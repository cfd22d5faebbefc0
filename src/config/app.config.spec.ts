import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '@app/config/app.config';

const SECRET = 'x'.repeat(32);

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: null,
      messageMaxBytes: 262144,
      messageMaxDepth: 100,
      schemaMaxBytes: 65536,
      schemaMaxDepth: 32,
      schemaMaxPatterns: 32,
      dispatcherEnabled: true,
      consoleEnabled: true,
      rateLimitPerMinute: 0,
      migrationsRun: true,
      logLevel: 'info',
      production: false,
      sqlMaxPoolSize: 20,
      sqlMaxPools: 10,
      sqlPlaceholders: {},
    });
    expect(config.auth).toMatchObject({ clockToleranceSeconds: 60, failureLimitPerMinute: 60 });
    expect(config.http).toEqual({ requestTimeoutSeconds: 30, headersTimeoutSeconds: 10, bodyIdleTimeoutSeconds: 10 });
    expect(config.longPoll).toEqual({ maxPerSubject: 100, max: 1000 });
    expect(config.dataDir).toMatch(/data$/);
    expect(config.configDir).toMatch(/config$/);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ MESSAGE_MAX_BYTES: '-1' }, 'MESSAGE_MAX_BYTES'],
    [{ MESSAGE_MAX_DEPTH: '0' }, 'MESSAGE_MAX_DEPTH'],
    [{ MESSAGE_MAX_DEPTH: '5000' }, 'MESSAGE_MAX_DEPTH'],
    [{ SCHEMA_MAX_BYTES: '10mb' }, 'SCHEMA_MAX_BYTES'],
    [{ SCHEMA_MAX_DEPTH: '1000' }, 'SCHEMA_MAX_DEPTH'],
    [{ SCHEMA_MAX_PATTERNS: 'many' }, 'SCHEMA_MAX_PATTERNS'],
    [{ DISPATCHER_ENABLED: 'maybe' }, 'DISPATCHER_ENABLED'],
    [{ CONSOLE_ENABLED: 'maybe' }, 'CONSOLE_ENABLED'],
    [{ RATE_LIMIT_PER_MINUTE: '1.5' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ DATABASE_URL: 'redis://127.0.0.1' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET'],
    [{ AUTH_JWKS_URL: 'ftp://127.0.0.1/jwks' }, 'AUTH_JWKS_URL'],
    [{ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'http://127.0.0.1/jwks' }, 'AUTH_JWKS_URL'],
    [{ MIGRATIONS_RUN: 'sometimes' }, 'MIGRATIONS_RUN'],
    [{ STORAGE_ENGINES: 'sql,redis' }, 'STORAGE_ENGINES'],
    [{ STORAGE_ENGINES: 'sql' }, 'STORAGE_ENGINES'],
    [{ SQL_MAX_POOL_SIZE: '0' }, 'SQL_MAX_POOL_SIZE'],
    [{ SQL_MAX_POOL_SIZE: '101' }, 'SQL_MAX_POOL_SIZE'],
    [{ SQL_MAX_POOLS: 'ten' }, 'SQL_MAX_POOLS'],
    [{ SQL_MAX_POOLS: '0' }, 'SQL_MAX_POOLS'],
    [{ AUTH_CLOCK_TOLERANCE_SECONDS: '-1' }, 'AUTH_CLOCK_TOLERANCE_SECONDS'],
    [{ AUTH_CLOCK_TOLERANCE_SECONDS: '601' }, 'AUTH_CLOCK_TOLERANCE_SECONDS'],
    [{ AUTH_FAILURE_LIMIT_PER_MINUTE: 'many' }, 'AUTH_FAILURE_LIMIT_PER_MINUTE'],
    [{ HTTP_REQUEST_TIMEOUT_SECONDS: '0' }, 'HTTP_REQUEST_TIMEOUT_SECONDS'],
    [{ HTTP_HEADERS_TIMEOUT_SECONDS: '0' }, 'HTTP_HEADERS_TIMEOUT_SECONDS'],
    [{ HTTP_REQUEST_TIMEOUT_SECONDS: '5', HTTP_HEADERS_TIMEOUT_SECONDS: '6' }, 'HTTP_HEADERS_TIMEOUT_SECONDS'],
    [{ HTTP_BODY_IDLE_TIMEOUT_SECONDS: '1.5' }, 'HTTP_BODY_IDLE_TIMEOUT_SECONDS'],
    [{ LONG_POLL_MAX: '0' }, 'LONG_POLL_MAX'],
    [{ LONG_POLL_MAX_PER_SUBJECT: '0' }, 'LONG_POLL_MAX_PER_SUBJECT'],
    [{ TRUST_PROXY: 'ingress' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'loopback, 10.0.0.0/8/1' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '1000' }, 'TRUST_PROXY'],
    [{ METRICS_PORT: '-1' }, 'METRICS_PORT'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ DOCS_ENABLED: 'perhaps' }, 'DOCS_ENABLED'],
  ])('refuses %j naming %s', (env, setting) => {
    const error = failure(env);
    expect(error.setting).toBe(setting);
    expect(error.message).toContain(setting);
  });

  it.each([
    [{}, ['filesystem', 'sql'], 'filesystem'],
    [{ DATABASE_URL: 'postgres://db/app' }, ['filesystem', 'sql'], 'sql'],
    [{ DATABASE_URL: 'postgres://db/app', STORAGE_ENGINES: 'sql' }, ['sql'], 'sql'],
    [{ DATABASE_URL: 'postgres://db/app', STORAGE_ENGINES: ' SQL , filesystem ' }, ['filesystem', 'sql'], 'sql'],
    [{ DATABASE_URL: 'postgres://db/app', STORAGE_ENGINES: 'filesystem' }, ['filesystem'], 'filesystem'],
    [{ STORAGE_ENGINES: 'filesystem' }, ['filesystem'], 'filesystem'],
  ])('with %j allows %j and defaults to %s', (env, allowed, engine) => {
    const config = loadConfig(env);
    expect(config.storageEngines).toEqual(allowed);
    expect(config.defaultStorageEngine).toBe(engine);
  });

  it('reads TRUST_PROXY as express takes it, off by default', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8, 192.168.1.1/255.255.255.0, 172.16.0.1' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.168.1.1/255.255.255.0',
      '172.16.0.1',
    ]);
  });

  it('keeps /metrics on PORT and /docs on outside production unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ metricsPort: null, metricsToken: null, docsEnabled: true });
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }).docsEnabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, DOCS_ENABLED: 'true' }).docsEnabled).toBe(true);
    expect(loadConfig({ METRICS_PORT: '0' }).metricsPort).toBeNull();
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: 't'.repeat(16) })).toMatchObject({ metricsPort: 9464, metricsToken: 't'.repeat(16) });
  });

  it('looks for handler dependencies under CONFIG_DIR unless HANDLER_MODULES_DIR says where', () => {
    expect(loadConfig({ CONFIG_DIR: '/etc/mailroom' }).handlerModulesDir).toBe('/etc/mailroom/handlers/node_modules');
    expect(loadConfig({ CONFIG_DIR: '/etc/mailroom', HANDLER_MODULES_DIR: '/opt/handler-deps/node_modules' }).handlerModulesDir).toBe(
      '/opt/handler-deps/node_modules',
    );
  });

  it('refuses production without an auth setting', () => {
    expect(failure({ NODE_ENV: 'production' }).setting).toBe('AUTH_JWT_SECRET');
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }).production).toBe(true);
  });

  it('collects handler variables and secrets by prefix', () => {
    const config = loadConfig({ MAILROOM_ENV__REGION: 'eu', MAILROOM_SECRET__API_KEY: 's3cret', OTHER: 'x' });
    expect(config.handlerEnv).toEqual({ REGION: 'eu' });
    expect(config.handlerSecrets).toEqual({ API_KEY: 's3cret' });
  });

  it('collects connection string placeholder values by prefix, and nothing else', () => {
    const config = loadConfig({ MAILROOM_SQL__PG_PASSWORD: 'pw', MAILROOM_SECRET__API_KEY: 's3cret', AUTH_JWT_SECRET: SECRET });
    expect(config.sqlPlaceholders).toEqual({ PG_PASSWORD: 'pw' });
  });

  it('reads the handler toolbox settings', () => {
    expect(loadConfig({}).toolbox).toEqual({ integrationAllowedHosts: [], idmUserinfoUrl: null, idmCacheTtlSeconds: 300, idmCacheMaxEntries: 1000 });
    const config = loadConfig({
      INTEGRATION_ALLOWED_HOSTS: 'API.internal, 10.0.0.5:8443,[::1]:80',
      IDM_USERINFO_URL: 'https://idp/userinfo',
      IDM_CACHE_TTL_SECONDS: '0',
    });
    expect(config.toolbox).toMatchObject({
      integrationAllowedHosts: ['api.internal', '10.0.0.5:8443', '[::1]:80'],
      idmUserinfoUrl: 'https://idp/userinfo',
      idmCacheTtlSeconds: 0,
    });
    expect(failure({ INTEGRATION_ALLOWED_HOSTS: 'http://api.internal' }).setting).toBe('INTEGRATION_ALLOWED_HOSTS');
    expect(failure({ INTEGRATION_ALLOWED_HOSTS: 'api:99999' }).setting).toBe('INTEGRATION_ALLOWED_HOSTS');
    expect(failure({ IDM_USERINFO_URL: 'ftp://idp' }).setting).toBe('IDM_USERINFO_URL');
    expect(failure({ IDM_CACHE_MAX_ENTRIES: '0' }).setting).toBe('IDM_CACHE_MAX_ENTRIES');
  });

  describe('SQS endpoint', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-config-'));
    const file = (content: unknown) => {
      const name = path.join(dir, `credentials-${Math.random().toString(36).slice(2)}.json`);
      fs.writeFileSync(name, typeof content === 'string' ? content : JSON.stringify(content));
      return name;
    };
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('listens on 9324 by default; 0 turns it off; ephemeral picks a free port', () => {
      expect(loadConfig({ SQS_PORT: '' }).sqs).toEqual({ port: 9324, accountId: '000000000000', region: 'us-east-1', credentials: [], credentialsFile: null });
      expect(loadConfig({ SQS_PORT: '0' }).sqs.port).toBeNull();
      expect(loadConfig({ SQS_PORT: 'ephemeral' }).sqs.port).toBe('ephemeral');
      expect(failure({ SQS_PORT: '70000' }).setting).toBe('SQS_PORT');
      expect(failure({ SQS_ACCOUNT_ID: '123' }).setting).toBe('SQS_ACCOUNT_ID');
      expect(failure({ SQS_REGION: 'Not A Region' }).setting).toBe('SQS_REGION');
    });

    it('reads the credentials file', () => {
      const credentials = [{ accessKeyId: 'AKID1', secretAccessKey: 'a-secret-of-enough-length', subject: 'svc', roles: ['queue_reader'] }];
      expect(loadConfig({ SQS_CREDENTIALS_FILE: file(credentials) }).sqs.credentials).toEqual(credentials);
    });

    it.each([
      ['not json', '{'],
      ['not a list', { accessKeyId: 'A' }],
      ['a short secret', [{ accessKeyId: 'AKID1', secretAccessKey: 'short-but-secret', subject: 's' }].map((c) => ({ ...c, secretAccessKey: 'tiny-s3cret' }))],
      ['no subject', [{ accessKeyId: 'AKID1', secretAccessKey: 'a-secret-of-enough-length' }]],
      ['a duplicate key', [1, 2].map(() => ({ accessKeyId: 'AKID1', secretAccessKey: 'a-secret-of-enough-length', subject: 's' }))],
      ['bad roles', [{ accessKeyId: 'AKID1', secretAccessKey: 'a-secret-of-enough-length', subject: 's', roles: 'admin' }]],
      ['an unknown field', [{ accessKeyId: 'AKID1', secretAccessKey: 'a-secret-of-enough-length', subject: 's', password: 'hunter2-secret' }]],
    ])('refuses a file with %s, naming the setting and never a secret', (_what, content) => {
      const error = failure({ SQS_CREDENTIALS_FILE: file(content) });
      expect(error.setting).toBe('SQS_CREDENTIALS_FILE');
      expect(error.message).not.toMatch(/a-secret-of-enough-length|tiny-s3cret|hunter2/);
    });

    it('takes a file that does not exist as no keys (an optional Secret not mounted), and refuses one it cannot read', () => {
      const missing = path.join(dir, 'missing.json');
      expect(loadConfig({ SQS_CREDENTIALS_FILE: missing }).sqs).toMatchObject({ credentials: [], credentialsFile: { path: missing, missing: true } });
      expect(failure({ SQS_CREDENTIALS_FILE: dir }).message).toContain('cannot read');
    });
  });

  it('keeps the header timeout and the per-subject long-poll cap within their wholes', () => {
    expect(loadConfig({ HTTP_REQUEST_TIMEOUT_SECONDS: '5' }).http).toEqual({ requestTimeoutSeconds: 5, headersTimeoutSeconds: 5, bodyIdleTimeoutSeconds: 5 });
    expect(loadConfig({ LONG_POLL_MAX: '10' }).longPoll).toEqual({ maxPerSubject: 10, max: 10 });
  });
});
