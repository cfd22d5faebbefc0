import { scrubSecrets, scrubbingDestination } from '@app/http/logging';

describe('scrubSecrets', () => {
  it('hides the password of connection strings, keeping user and host', () => {
    expect(scrubSecrets('connect postgres://app:s3cr%40t@db:5432/app failed')).toBe('connect postgres://app:***@db:5432/app failed');
    expect(scrubSecrets('{"url":"mssql://sa:Pa55w0rd!@sql:1433/x","b":"mysql://root:x@h/d"}')).toBe('{"url":"mssql://sa:***@sql:1433/x","b":"mysql://root:***@h/d"}');
  });

  it('leaves URLs without credentials alone', () => {
    for (const text of ['http://127.0.0.1:3000/healthz', 'postgres://db:5432/app', 'mailto:a@b.c', 'postgres://user@db/app']) {
      expect(scrubSecrets(text)).toBe(text);
    }
  });

  it('scrubs whole lines on their way to the destination', () => {
    const lines: string[] = [];
    scrubbingDestination({ write: (line: string) => lines.push(line) }).write('{"msg":"postgres://a:b@c/d"}\n');
    expect(lines).toEqual(['{"msg":"postgres://a:***@c/d"}\n']);
  });
});
