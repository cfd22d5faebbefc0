import { maskConnectionString, maskValues, scrubSecrets, scrubTokens, scrubUrlCredentials } from '@app/common/secrets';

describe('scrubUrlCredentials', () => {
  it('hides the password of connection strings, keeping user and host', () => {
    expect(scrubUrlCredentials('connect postgres://app:s3cr%40t@db:5432/app failed')).toBe('connect postgres://app:***@db:5432/app failed');
    expect(scrubUrlCredentials('{"url":"mssql://sa:Pa55w0rd!@sql:1433/x","b":"mysql://root:x@h/d"}')).toBe(
      '{"url":"mssql://sa:***@sql:1433/x","b":"mysql://root:***@h/d"}',
    );
  });

  it('leaves URLs without credentials alone', () => {
    for (const text of ['http://127.0.0.1:3000/healthz', 'postgres://db:5432/app', 'mailto:a@b.c', 'postgres://user@db/app']) {
      expect(scrubUrlCredentials(text)).toBe(text);
    }
  });
});

describe('maskValues', () => {
  it('masks every occurrence of each value and skips empty ones', () => {
    expect(maskValues('a tok-1 and tok-1, k', ['tok-1', '', null, undefined])).toBe('a *** and ***, k');
    expect(maskValues('secret here', ['secret'], '[REDACTED]')).toBe('[REDACTED] here');
  });
});

describe('scrubTokens', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

  it('hides token query values, keeping the other parameters', () => {
    expect(scrubTokens('{"url":"/api/v1/queues?access_token=abc.def&limit=5"}')).toBe('{"url":"/api/v1/queues?access_token=***&limit=5"}');
    expect(scrubTokens('GET /x?a=1&token=s3cret#frag')).toBe('GET /x?a=1&token=***#frag');
    expect(scrubTokens('/x?ID_TOKEN=1&refresh_token=2&jwt=3')).toBe('/x?ID_TOKEN=***&refresh_token=***&jwt=***');
  });

  it('hides anything shaped like a JWT, wherever it is', () => {
    expect(scrubTokens(`Cannot GET /api/v1/x?t=${jwt}`)).toBe('Cannot GET /api/v1/x?t=***');
    expect(scrubSecrets(`{"msg":"${jwt} postgres://a:b@h/d"}`)).toBe('{"msg":"*** postgres://a:***@h/d"}');
  });

  it('leaves other text alone', () => {
    for (const text of ['/api/v1/queues?limit=5&cursor=abc', '/api/v1/queues/tokens?mytoken=1', 'eyJ alone']) expect(scrubTokens(text)).toBe(text);
  });
});

describe('maskConnectionString', () => {
  it('replaces the password and keeps user, host, database and placeholders', () => {
    expect(maskConnectionString('postgres://app:s3cret@db:5432/app')).toBe('postgres://app:***@db:5432/app');
    expect(maskConnectionString('postgres://app:${ORDERS_DB_PASSWORD}@${DB_HOST}:5432/app')).toBe('postgres://app:***@${DB_HOST}:5432/app');
    expect(maskConnectionString('mysql://root@127.0.0.1:3306/test')).toBe('mysql://root@127.0.0.1:3306/test');
    expect(maskConnectionString('mssql://sa:p%40ss@sql:1433/db?encrypt=true')).toBe('mssql://sa:***@sql:1433/db?encrypt=true');
  });

  it('masks a password that contains @ and a password given as an option', () => {
    expect(maskConnectionString('postgres://u:p@ss:w@rd@db/x')).toBe('postgres://u:***@db/x');
    expect(maskConnectionString('postgres://db/x?user=u&password=hunter2')).toBe('postgres://db/x?user=u&password=***');
    expect(maskConnectionString('not a url password=abc')).toBe('not a url password=***');
  });
});
