import { SqlConnections } from '@app/storage/sql/sql-connections';
import { startTestApp, type TestApp } from '../support/app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';

/** Issue 14.6: SQL pools are bounded in number and size, and closed when no queue uses them any more. */
describeWithDatabase('postgres', 'SQL connection pools over the API (postgres)', () => {
  let database: IsolatedDatabase;
  let t: TestApp;
  let auth: { Authorization: string };
  const pools = () => t.app.get(SqlConnections).poolCount;
  const url = (app: string, extra = '') => `${database.url}&application_name=${app}${extra}`;
  const create = (name: string, connectionString: string) => t.http.post('/api/v1/queues').set(auth).send({ name, storageEngine: 'sql', connectionString });

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    t = await startTestApp({ env: { SQL_ALLOWED_HOSTS: '127.0.0.1', SQL_MAX_POOLS: '2', SQL_MAX_POOL_SIZE: '5', DISPATCHER_ENABLED: 'false' } });
    auth = { Authorization: `Bearer ${await t.token('admin', ['system_admin'])}` };
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('refuses a poolSize above SQL_MAX_POOL_SIZE', async () => {
    const res = await create('big', url('big', '&poolSize=6'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'SQL_POOL_SIZE_TOO_LARGE', message: expect.stringContaining('SQL_MAX_POOL_SIZE') });
    expect((await create('big', url('big', '&poolSize=5'))).status).toBe(201);
    expect((await t.http.delete('/api/v1/queues/big').set(auth)).status).toBe(204);
    expect(pools()).toBe(0);
  });

  it('refuses a pool beyond SQL_MAX_POOLS, shares pools, and closes one when its last queue is deleted or moved', async () => {
    expect((await create('a', url('a'))).status).toBe(201);
    expect((await create('a2', url('a'))).status).toBe(201);
    expect((await create('b', url('b'))).status).toBe(201);
    expect(pools()).toBe(2);
    const refused = await create('c', url('c'));
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('SQL_POOL_LIMIT_REACHED');
    expect((await t.http.get('/api/v1/queues/c').set(auth)).status).toBe(404);

    expect((await t.http.delete('/api/v1/queues/a').set(auth)).status).toBe(204);
    expect(pools()).toBe(2);
    expect(
      (
        await t.http
          .put('/api/v1/queues/a2')
          .set(auth)
          .send({ storageEngine: 'sql', connectionString: url('b') })
      ).status,
    ).toBe(200);
    expect(pools()).toBe(1);
    expect((await create('c', url('c'))).status).toBe(201);
    expect((await t.http.post('/api/v1/queues/c/messages').set(auth).send({ n: 1 })).status).toBe(201);
    expect(pools()).toBe(2);
  });
});
