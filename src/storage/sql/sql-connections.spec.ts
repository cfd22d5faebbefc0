import { Logger } from '@nestjs/common';
import { DomainError } from '@app/common/domain-error';
import { loadConfig } from '@app/config/app.config';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import { closedPort } from '@test/support/net';

Logger.overrideLogger(false);

async function code(promise: Promise<unknown>): Promise<[string, string]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return [error.code, error.message];
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('SqlConnections (no database needed)', () => {
  const env = { SECRET_PW_FOR_SPEC: 'hunter2-xyz' };
  beforeAll(() => Object.assign(process.env, env));
  afterAll(() => delete process.env.SECRET_PW_FOR_SPEC);

  it('shares one store per resolved connection string and checks the allowlist without connecting', async () => {
    const sql = new SqlConnections(loadConfig({ SQL_ALLOWED_HOSTS: '127.0.0.1:5999', LOG_LEVEL: 'silent' }));
    const a = sql.messageStore('postgres://app:${SECRET_PW_FOR_SPEC}@127.0.0.1:5999/db');
    expect(sql.messageStore('postgres://app:hunter2-xyz@127.0.0.1:5999/db')).toBe(a);
    expect(sql.messageStore('postgres://app:${SECRET_PW_FOR_SPEC}@127.0.0.1:5999/db')).toBe(a);
    expect(sql.messageStore('postgres://app:${SECRET_PW_FOR_SPEC}@127.0.0.1:5999/other')).not.toBe(a);
    expect(() => sql.messageStore('postgres://app@127.0.0.2:5999/db')).toThrow(expect.objectContaining({ code: 'SQL_HOST_NOT_ALLOWED' }));
    expect(() => sql.messageStore('postgres://app@127.0.0.1:5432/db')).toThrow(expect.objectContaining({ code: 'SQL_HOST_NOT_ALLOWED' }));
    expect(sql.messageStores()).toHaveLength(2);
    await sql.closeAll();
    expect(sql.messageStores()).toHaveLength(0);
  });

  it('trusts DATABASE_URL and, with an empty allowlist, allows only its host and port', () => {
    const sql = new SqlConnections(loadConfig({ DATABASE_URL: 'postgres://app@127.0.0.1:6001/db', LOG_LEVEL: 'silent' }));
    expect(sql.messageStore('postgres://app@127.0.0.1:6001/db')).toBeDefined();
    expect(sql.messageStore('postgres://other@127.0.0.1:6001/else')).toBeDefined();
    expect(() => sql.messageStore('mysql://root@127.0.0.1:3306/db')).toThrow(expect.objectContaining({ code: 'SQL_HOST_NOT_ALLOWED' }));
    expect(() => new SqlConnections(loadConfig({ LOG_LEVEL: 'silent' })).messageStore('postgres://app@127.0.0.1:6001/db')).toThrow(expect.objectContaining({ code: 'SQL_HOST_NOT_ALLOWED' }));
  });

  it('verify answers CONNECTION_FAILED with the reason and without the password; the store answers STORAGE_UNAVAILABLE', async () => {
    const port = await closedPort();
    const sql = new SqlConnections(loadConfig({ SQL_ALLOWED_HOSTS: '127.0.0.1', LOG_LEVEL: 'silent' }));
    for (const scheme of ['postgres', 'mysql']) {
      const url = `${scheme}://app:\${SECRET_PW_FOR_SPEC}@127.0.0.1:${port}/db`;
      const [verifyCode, message] = await code(sql.verify(url));
      expect(verifyCode).toBe('CONNECTION_FAILED');
      expect(message).toContain(`${scheme}://app:***@127.0.0.1:${port}/db`);
      expect(message).toMatch(/ECONNREFUSED/);
      expect(message).not.toContain('hunter2-xyz');
      const [pingCode, pingMessage] = await code(sql.messageStore(url).ping());
      expect(pingCode).toBe('STORAGE_UNAVAILABLE');
      expect(pingMessage).not.toContain('hunter2-xyz');
    }
    await sql.closeAll();
  });

  it('refuses forbidden options and unknown placeholders before connecting', async () => {
    const sql = new SqlConnections(loadConfig({ SQL_ALLOWED_HOSTS: '127.0.0.1', LOG_LEVEL: 'silent' }));
    expect((await code(sql.verify('mysql://root@127.0.0.1/db?multipleStatements=true')))[0]).toBe('INVALID_CONNECTION_STRING');
    expect((await code(sql.verify('postgres://u:${NOT_SET_ANYWHERE_42}@127.0.0.1/db')))[0]).toBe('INVALID_CONNECTION_STRING');
  });
});
