import { startTestApp, type TestApp } from '../support/app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';
import { closedPort } from '../support/net';

describeWithDatabase('postgres', 'sql queues over the API (DATABASE_URL on postgres)', () => {
  let database: IsolatedDatabase;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    t = await startTestApp({ env: { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: '127.0.0.1', MAILROOM_SQL__TEST_PASSWORD: 'not-a-real-secret-4711' } });
    admin = await t.token('admin', ['system_admin']);
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  const auth = () => ({ Authorization: `Bearer ${admin}` });

  it('creates a sql queue on DATABASE_URL, pushes, gets, receives, acks and deletes messages', async () => {
    const created = await t.http
      .post('/api/v1/queues')
      .set(auth())
      .send({ name: 'sql-orders', storageEngine: 'sql', incoming: { schema: { type: 'object', required: ['sku'] } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'sql-orders', storageEngine: 'sql', connectionString: null });

    const pushed = await t.http.post('/api/v1/queues/sql-orders/messages').set(auth()).send({ sku: 'A1' });
    expect(pushed.status).toBe(201);
    const id = pushed.body.id as string;
    const got = await t.http.get(`/api/v1/queues/sql-orders/messages/${id}`).set(auth());
    expect(got.body).toMatchObject({ id, status: 'PENDING', request: { sku: 'A1' } });

    const batch = await t.http
      .post('/api/v1/queues/sql-orders/messages/batch')
      .set(auth())
      .send({ messages: [{ sku: 'B1' }, { sku: 'B2' }] });
    expect(batch.status).toBe(201);
    expect(batch.body.items).toHaveLength(2);

    const received = await t.http.post('/api/v1/queues/sql-orders/messages/receive').set(auth()).send({ maxMessages: 2 });
    expect(received.status).toBe(200);
    expect(received.body.messages.map((m: { id: string }) => m.id)[0]).toBe(id);
    const first = received.body.messages[0];
    const acked = await t.http
      .post(`/api/v1/queues/sql-orders/messages/${id}/ack`)
      .set(auth())
      .send({ receipt: first.receipt, outcome: 'complete', result: { ok: true } });
    expect(acked.status).toBe(200);
    const stale = await t.http.post(`/api/v1/queues/sql-orders/messages/${id}/ack`).set(auth()).send({ receipt: first.receipt, outcome: 'complete' });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('RECEIPT_STALE');
    expect((await t.http.get(`/api/v1/queues/sql-orders/messages/${id}`).set(auth())).body).toMatchObject({ status: 'COMPLETE', result: { ok: true } });

    const stats = await t.http.get('/api/v1/queues/sql-orders/stats').set(auth());
    expect(stats.body.counts).toEqual({ PENDING: 1, INPROGRESS: 1, COMPLETE: 1, ERROR: 0 });

    expect((await t.http.delete(`/api/v1/queues/sql-orders/messages/${id}`).set(auth())).status).toBe(204);
    expect((await t.http.get(`/api/v1/queues/sql-orders/messages/${id}`).set(auth())).status).toBe(404);
    expect((await t.http.get('/readyz')).status).toBe(200);
  });

  it('keeps the queue in the SQL catalog', async () => {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: database.url.replace(/\?.*$/, '') });
    await client.connect();
    try {
      const schema = new URL(database.url).searchParams.get('schema');
      const { rows } = await client.query(`SELECT name FROM ${schema}.mailroom_queues`);
      expect(rows.map((r) => r.name)).toContain('sql-orders');
    } finally {
      await client.end();
    }
  });

  it('shows the password of a connection string as *** and keeps the placeholder out of every response', async () => {
    const url = new URL(database.url);
    const connectionString = `postgres://postgres:\${MAILROOM_SQL__TEST_PASSWORD}@127.0.0.1:${url.port || 5432}${url.pathname}${url.search}`;
    const created = await t.http.post('/api/v1/queues').set(auth()).send({ name: 'sql-masked', storageEngine: 'sql', connectionString });
    expect(created.status).toBe(201);
    const read = await t.http.get('/api/v1/queues/sql-masked').set(auth());
    expect(read.body.connectionString).toBe(`postgres://postgres:***@127.0.0.1:${url.port || 5432}${url.pathname}${url.search}`);
    const listed = await t.http.get('/api/v1/queues').set(auth());
    expect(JSON.stringify(listed.body)).not.toContain('not-a-real-secret-4711');
    expect(JSON.stringify(listed.body)).not.toContain('MAILROOM_SQL__TEST_PASSWORD');
    expect((await t.http.post('/api/v1/queues/sql-masked/messages').set(auth()).send({ a: 1 })).status).toBe(201);
  });

  it('answers CONNECTION_FAILED, without the password, for an unreachable database, and stores nothing', async () => {
    const port = await closedPort();
    const res = await t.http
      .post('/api/v1/queues')
      .set(auth())
      .send({ name: 'sql-down', storageEngine: 'sql', connectionString: `postgres://postgres:\${MAILROOM_SQL__TEST_PASSWORD}@127.0.0.1:${port}/test` });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('CONNECTION_FAILED');
    expect(res.body.message).toContain(`127.0.0.1:${port}`);
    expect(JSON.stringify(res.body)).not.toContain('not-a-real-secret-4711');
    expect((await t.http.get('/api/v1/queues/sql-down').set(auth())).status).toBe(404);
  });

  it('refuses a host outside SQL_ALLOWED_HOSTS before connecting (127.0.0.2)', async () => {
    const res = await t.http
      .post('/api/v1/queues')
      .set(auth())
      .send({ name: 'sql-ssrf', storageEngine: 'sql', connectionString: 'postgres://postgres@127.0.0.2:5432/test' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('SQL_HOST_NOT_ALLOWED');
    expect((await t.http.get('/api/v1/queues/sql-ssrf').set(auth())).status).toBe(404);
  });

  it('refuses options that open files or sockets on the server', async () => {
    for (const connectionString of [
      'postgres://postgres@127.0.0.1:5432/test?sslkey=/etc/passwd',
      'mysql://root@127.0.0.1:3306/test?localInfile=true',
      'postgres://postgres@127.0.0.1/test?host=/var/run/postgresql',
    ]) {
      const res = await t.http.post('/api/v1/queues').set(auth()).send({ name: 'sql-files', storageEngine: 'sql', connectionString });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_CONNECTION_STRING');
    }
  });
});

describeWithDatabase('mariadb', 'sql queues on MariaDB (mysql:// connection string, catalog in DATA_DIR)', () => {
  let database: IsolatedDatabase;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    database = await isolatedDatabase('mariadb');
    t = await startTestApp({ env: { SQL_ALLOWED_HOSTS: new URL(database.url).hostname } });
    admin = await t.token('admin', ['system_admin']);
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('creates a sql queue whose messages live in MariaDB, pushes, receives, returns to the end and acks', async () => {
    const auth = { Authorization: `Bearer ${admin}` };
    const created = await t.http.post('/api/v1/queues').set(auth).send({ name: 'maria', storageEngine: 'sql', connectionString: database.url });
    expect(created.status).toBe(201);
    const batch = await t.http
      .post('/api/v1/queues/maria/messages/batch')
      .set(auth)
      .send({ messages: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    expect(batch.status).toBe(201);
    const received = await t.http.post('/api/v1/queues/maria/messages/receive').set(auth).send({ maxMessages: 2 });
    expect(received.body.messages.map((m: { request: unknown }) => m.request)).toEqual([{ n: 1 }, { n: 2 }]);
    for (const m of received.body.messages) {
      expect(
        (await t.http.post(`/api/v1/queues/maria/messages/${m.id}/ack`).set(auth).send({ receipt: m.receipt, outcome: 'return_to_end_of_queue' })).status,
      ).toBe(200);
    }
    const again = await t.http.post('/api/v1/queues/maria/messages/receive').set(auth).send({ maxMessages: 5 });
    expect(again.body.messages.map((m: { request: unknown }) => m.request)).toEqual([{ n: 3 }, { n: 1 }, { n: 2 }]);
    const stats = await t.http.get('/api/v1/queues/maria/stats').set(auth);
    expect(stats.body.counts).toEqual({ PENDING: 0, INPROGRESS: 3, COMPLETE: 0, ERROR: 0 });
    expect((await t.http.get('/readyz')).status).toBe(200);
    expect(
      (
        await t.http
          .post('/api/v1/queues')
          .set(auth)
          .send({ name: 'maria2', storageEngine: 'sql', connectionString: database.url.replace('127.0.0.1', '127.0.0.2') })
      ).body.code,
    ).toBe('SQL_HOST_NOT_ALLOWED');
  });
});
