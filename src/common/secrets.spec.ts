import { maskValues, scrubUrlCredentials } from '@app/common/secrets';

describe('scrubUrlCredentials', () => {
  it('hides the password of connection strings, keeping user and host', () => {
    expect(scrubUrlCredentials('connect postgres://app:s3cr%40t@db:5432/app failed')).toBe('connect postgres://app:***@db:5432/app failed');
    expect(scrubUrlCredentials('{"url":"mssql://sa:Pa55w0rd!@sql:1433/x","b":"mysql://root:x@h/d"}')).toBe('{"url":"mssql://sa:***@sql:1433/x","b":"mysql://root:***@h/d"}');
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
