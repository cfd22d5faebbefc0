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
  const env = { MAILROOM_SQL__SECRET_PW_FOR_SPEC: 'hunter2-xyz', LOG_LEVEL: 'silent' };

  it('shares one store per resolved connection string and checks the allowlist without connecting', async () => {
    const sql = new SqlConnections(loadConfig({ ...env, SQL_ALLOWED_HOSTS: '127.0.0.1:5999' }));
    const a = sql.messageStore('postgres://app:${MAILROOM_SQL__SECRET_PW_FOR_SPEC}@127.0.0.1:5999/db');
    expect(sql.messageStore('postgres://app:hunter2-xyz@127.0.0.1:5999/db')).toBe(a);
    expect(sql.messageStore('postgres://app:${MAILROOM_SQL__SECRET_PW_FOR_SPEC}@127.0.0.1:5999/db')).toBe(a);
    expect(sql.messageStore('postgres://app:${MAILROOM_SQL__SECRET_PW_FOR_SPEC}@127.0.0.1:5999/other')).not.toBe(a);
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
    expect(() => new SqlConnections(loadConfig({ LOG_LEVEL: 'silent' })).messageStore('postgres://app@127.0.0.1:6001/db')).toThrow(
      expect.objectContaining({ code: 'SQL_HOST_NOT_ALLOWED' }),
    );
  });

  it('verify answers CONNECTION_FAILED with the reason and without the password; the store answers STORAGE_UNAVAILABLE', async () => {
    const port = await closedPort();
    const sql = new SqlConnections(loadConfig({ ...env, SQL_ALLOWED_HOSTS: '127.0.0.1' }));
    for (const scheme of ['postgres', 'mysql']) {
      const url = `${scheme}://app:\${MAILROOM_SQL__SECRET_PW_FOR_SPEC}@127.0.0.1:${port}/db`;
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
    const sql = new SqlConnections(loadConfig({ ...env, SQL_ALLOWED_HOSTS: '127.0.0.1' }));
    expect((await code(sql.verify('mysql://root@127.0.0.1/db?multipleStatements=true')))[0]).toBe('INVALID_CONNECTION_STRING');
    expect((await code(sql.verify('postgres://u:${MAILROOM_SQL__NOT_SET_ANYWHERE_42}@127.0.0.1/db')))[0]).toBe('INVALID_CONNECTION_STRING');
    expect((await code(sql.verify('postgres://u:${SECRET_PW_FOR_SPEC}@127.0.0.1/db')))[0]).toBe('PLACEHOLDER_NOT_ALLOWED');
  });

  it('takes DATABASE_URL as written, not as a template', () => {
    const sql = new SqlConnections(loadConfig({ ...env, DATABASE_URL: 'postgres://app:pw@127.0.0.1:6001/db?application_name=${HOME}' }));
    expect(sql.messageStore('postgres://app:pw@127.0.0.1:6001/db?application_name=${HOME}')).toBeDefined();
  });

  it('shows the template, never a filled value, in allowlist and option errors', async () => {
    const sql = new SqlConnections(
      loadConfig({ ...env, SQL_ALLOWED_HOSTS: '127.0.0.1', MAILROOM_SQL__H: 'Canary-Host.example', MAILROOM_SQL__MODE: 'canary-mode' }),
    );
    const [hostCode, hostMessage] = await code(sql.verify('postgres://u@${MAILROOM_SQL__H}:5432/db'));
    expect(hostCode).toBe('SQL_HOST_NOT_ALLOWED');
    expect(hostMessage).toContain('postgres://u@${MAILROOM_SQL__H}:5432/db');
    const [modeCode, modeMessage] = await code(sql.verify('postgres://u@127.0.0.1/db?sslmode=${MAILROOM_SQL__MODE}'));
    expect(modeCode).toBe('INVALID_CONNECTION_STRING');
    expect(modeMessage).toContain('${MAILROOM_SQL__MODE}');
    for (const message of [hostMessage, modeMessage]) expect(message.toLowerCase()).not.toContain('canary');
  });

  it('caps poolSize at SQL_MAX_POOL_SIZE and the pools at SQL_MAX_POOLS; DATABASE_URL is not capped', () => {
    const sql = new SqlConnections(
      loadConfig({
        ...env,
        SQL_ALLOWED_HOSTS: '127.0.0.1',
        SQL_MAX_POOL_SIZE: '5',
        SQL_MAX_POOLS: '3',
        DATABASE_URL: 'postgres://app@127.0.0.1:6001/db?poolSize=50',
      }),
    );
    expect(() => sql.messageStore('postgres://u@127.0.0.1/a?poolSize=6')).toThrow(
      expect.objectContaining({ code: 'SQL_POOL_SIZE_TOO_LARGE', message: expect.stringContaining('SQL_MAX_POOL_SIZE') }),
    );
    expect(sql.messageStore('postgres://app@127.0.0.1:6001/db?poolSize=50')).toBeDefined();
    expect(sql.messageStore('postgres://u@127.0.0.1/a?poolSize=5')).toBeDefined();
    expect(sql.messageStore('postgres://u@127.0.0.1/b')).toBeDefined();
    expect(sql.poolCount).toBe(3);
    expect(() => sql.messageStore('postgres://u@127.0.0.1/c')).toThrow(expect.objectContaining({ code: 'SQL_POOL_LIMIT_REACHED' }));
    expect(sql.messageStore('postgres://u@127.0.0.1/b')).toBeDefined();
  });

  it('closes a pool once no remaining queue (nor DATABASE_URL) uses its database', async () => {
    const sql = new SqlConnections(loadConfig({ ...env, SQL_ALLOWED_HOSTS: '127.0.0.1', DATABASE_URL: 'postgres://app@127.0.0.1:6001/db' }));
    const shared = 'postgres://app:${MAILROOM_SQL__SECRET_PW_FOR_SPEC}@127.0.0.1/a';
    const sameDatabase = 'postgres://app:hunter2-xyz@127.0.0.1/a';
    sql.messageStore(shared);
    sql.messageStore(sameDatabase);
    sql.messageStore('postgres://app@127.0.0.1:6001/db');
    expect(sql.poolCount).toBe(2);
    await sql.release(shared, [sameDatabase]);
    expect(sql.poolCount).toBe(2);
    await sql.release(sameDatabase, []);
    expect(sql.poolCount).toBe(1);
    expect(sql.messageStores()).toHaveLength(1);
    await sql.release('postgres://app@127.0.0.1:6001/db', []);
    expect(sql.poolCount).toBe(1);
    await sql.closeAll();
  });
});
