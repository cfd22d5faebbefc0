import { DomainError } from '@app/common/domain-error';
import { assertHostAllowed, isHostAllowed, parseConnectionString, redact, resolvePlaceholders, unfill } from '@app/storage/sql/connection-string';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('resolvePlaceholders', () => {
  it('fills ${MAILROOM_SQL__NAME} from the MAILROOM_SQL__ variables, URL-encoded, and says what it filled', () => {
    const resolved = resolvePlaceholders('postgres://app:${MAILROOM_SQL__PW}@db/app', { PW: 'a@b/c' });
    expect(resolved).toEqual({ text: 'postgres://app:a%40b%2Fc@db/app', filled: [{ placeholder: '${MAILROOM_SQL__PW}', value: 'a@b/c' }] });
    expect(parseConnectionString(resolved.text).password).toBe('a@b/c');
  });

  it('refuses a placeholder without the MAILROOM_SQL__ prefix, naming it and reading nothing', () => {
    const env = { AUTH_JWT_SECRET: 'canary-jwt', PW: 'x' } as Record<string, string>;
    for (const name of ['AUTH_JWT_SECRET', 'MAILROOM_SECRET__API', 'PATH', 'mailroom_sql__PW']) {
      let thrown: unknown;
      try {
        resolvePlaceholders(`postgres://app:pw@db/app?application_name=\${${name}}`, env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'PLACEHOLDER_NOT_ALLOWED', message: expect.stringContaining(`\${${name}}`) });
      expect((thrown as Error).message).not.toContain('canary');
    }
    expect(code(() => resolvePlaceholders('postgres://${MAILROOM_SQL__PW}:${HOME}@db/app', { PW: 'x' }))).toBe('PLACEHOLDER_NOT_ALLOWED');
  });

  it('refuses a missing variable, naming it', () => {
    expect(() => resolvePlaceholders('postgres://app:${MAILROOM_SQL__NOPE_X}@db/app', {})).toThrow(/MAILROOM_SQL__NOPE_X/);
    expect(code(() => resolvePlaceholders('postgres://app:${MAILROOM_SQL__NOPE_X}@db/app', {}))).toBe('INVALID_CONNECTION_STRING');
    expect(code(() => resolvePlaceholders('postgres://app:${MAILROOM_SQL__}@db/app', { '': 'x' }))).toBe('INVALID_CONNECTION_STRING');
  });
});

describe('unfill', () => {
  it('puts the placeholder back for a value in any form a parser or driver echoes', () => {
    const filled = [
      { placeholder: '${MAILROOM_SQL__H}', value: 'Canary-Host.Example' },
      { placeholder: '${MAILROOM_SQL__PW}', value: 'p@ss word' },
    ];
    expect(unfill('getaddrinfo ENOTFOUND canary-host.example; user p%40ss%20word, p@ss word, p@ss%20word', filled)).toBe(
      'getaddrinfo ENOTFOUND ${MAILROOM_SQL__H}; user ${MAILROOM_SQL__PW}, ${MAILROOM_SQL__PW}, ${MAILROOM_SQL__PW}',
    );
    expect(unfill('host xn--bcher-kva.example', [{ placeholder: '${MAILROOM_SQL__H}', value: 'Bücher.example' }])).toBe('host ${MAILROOM_SQL__H}');
  });
});

describe('parseConnectionString', () => {
  it('reads every supported scheme with default ports', () => {
    expect(parseConnectionString('postgres://u:p@Db.Example:6000/app?sslmode=require')).toMatchObject({
      dialect: 'postgres',
      host: 'db.example',
      port: 6000,
      username: 'u',
      password: 'p',
      database: 'app',
      options: { sslmode: 'require' },
    });
    expect(parseConnectionString('postgresql://h/x')).toMatchObject({ dialect: 'postgres', port: 5432, username: null, password: null });
    expect(parseConnectionString('mysql://root@127.0.0.1/test')).toMatchObject({ dialect: 'mysql', port: 3306, username: 'root' });
    expect(parseConnectionString('mariadb://root@h/test')).toMatchObject({ dialect: 'mariadb', port: 3306 });
    expect(parseConnectionString('mssql://sa:x@h/db?encrypt=false')).toMatchObject({ dialect: 'mssql', port: 1433, options: { encrypt: 'false' } });
    expect(parseConnectionString('postgres://u@[::1]:5433/x')).toMatchObject({ host: '::1', port: 5433 });
    expect(parseConnectionString('postgres://u@h/x?preparedStatements=false')).toMatchObject({ options: { preparedstatements: 'false' } });
  });

  it.each([
    'postgres://u@h/x?sslkey=/etc/ssl/private/key.pem',
    'postgres://u@h/x?sslcert=/tmp/c.pem',
    'postgres://u@h/x?sslrootcert=/tmp/ca.pem',
    'postgres://u@h/x?host=/var/run/postgresql',
    'postgres://u@%2Fvar%2Frun%2Fpostgresql/x',
    'postgres://u@h1,h2/x',
    'mysql://root@h/x?socketPath=/tmp/mysql.sock',
    'mysql://root@h/x?localInfile=true',
    'mysql://root@h/x?multipleStatements=true',
    'mariadb://root@h/x?flags=LOCAL_FILES',
    'mysql://root@h/x?whatever=1',
    'redis://h:6379',
    'postgres://u@h/x/y',
    'postgres://u@h/x?schema=Bad-Name',
    'postgres://u@h/x?sslmode=allow-anything',
    'postgres://u@h/x?preparedStatements=no',
    'mysql://root@h/x?preparedStatements=false',
  ])('refuses %s with INVALID_CONNECTION_STRING', (raw) => {
    expect(code(() => parseConnectionString(raw))).toBe('INVALID_CONNECTION_STRING');
  });
});

describe('host allowlist', () => {
  const target = (raw: string) => parseConnectionString(raw);

  it('allows listed hosts (any port) and host:port entries (that port only)', () => {
    expect(isHostAllowed(target('postgres://u@db.internal/x'), ['db.internal'], null)).toBe(true);
    expect(isHostAllowed(target('postgres://u@db.internal:7000/x'), ['db.internal'], null)).toBe(true);
    expect(isHostAllowed(target('postgres://u@127.0.0.1:5432/x'), ['127.0.0.1:5432'], null)).toBe(true);
    expect(isHostAllowed(target('postgres://u@127.0.0.1:6543/x'), ['127.0.0.1:5432'], null)).toBe(false);
    expect(isHostAllowed(target('postgres://u@[::1]:5432/x'), ['[::1]:5432'], null)).toBe(true);
    expect(isHostAllowed(target('postgres://u@[::1]:5432/x'), ['::1'], null)).toBe(true);
  });

  it('refuses 127.0.0.2 when only 127.0.0.1 is allowed', () => {
    expect(code(() => assertHostAllowed(target('postgres://u@127.0.0.2:5432/x'), ['127.0.0.1'], null))).toBe('SQL_HOST_NOT_ALLOWED');
    expect(code(() => assertHostAllowed(target('mysql://u@localhost/x'), ['127.0.0.1'], null))).toBe('SQL_HOST_NOT_ALLOWED');
  });

  it('with an empty list allows exactly the host and port of DATABASE_URL', () => {
    const databaseUrl = target('postgres://u@127.0.0.1:5432/app');
    expect(isHostAllowed(target('postgres://other@127.0.0.1:5432/else'), [], databaseUrl)).toBe(true);
    expect(isHostAllowed(target('mysql://u@127.0.0.1:3306/else'), [], databaseUrl)).toBe(false);
    expect(isHostAllowed(target('postgres://u@127.0.0.2:5432/else'), [], databaseUrl)).toBe(false);
    expect(isHostAllowed(target('postgres://u@127.0.0.1:5432/else'), [], null)).toBe(false);
  });
});

describe('redact', () => {
  it('removes secrets, encoded or not, and URL passwords from driver messages', () => {
    expect(redact('password authentication failed: p@ss and p%40ss', ['p@ss'])).toBe('password authentication failed: *** and ***');
    expect(redact('cannot reach postgres://u:zz@h/x', [])).toBe('cannot reach postgres://u:***@h/x');
  });
});
