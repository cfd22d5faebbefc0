import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';
import { describeWithDatabase, isolatedDatabase, separatePostgresDatabase, type IsolatedDatabase } from '../support/databases';
import { TcpProxy } from './tcp-proxy';

/**
 * One queue's own database goes away (a proxy in front of it is cut, or the database is dropped)
 * while the catalog (DATABASE_URL) stays up: only that queue answers 503, readiness stays 200.
 */
describeWithDatabase('postgres', 'sql engine: a queue whose own database is down', () => {
  let catalog: IsolatedDatabase;
  let tenant: IsolatedDatabase;
  let dropped: Awaited<ReturnType<typeof separatePostgresDatabase>>;
  let proxy: TcpProxy;
  let t: TestApp;
  let admin: string;

  const auth = () => ({ Authorization: `Bearer ${admin}` });
  const push = (queue: string, body: object = { n: 1 }) => t.http.post(`/api/v1/queues/${queue}/messages`).set(auth()).send(body);
  const storageUp = async (queue: string) => {
    const text = (await t.http.get('/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith(`mailroom_queue_storage_up{queue="${queue}"}`));
    return line ? Number(line.split(' ').pop()) : undefined;
  };

  beforeAll(async () => {
    [catalog, tenant, dropped] = await Promise.all([isolatedDatabase('postgres'), isolatedDatabase('postgres'), separatePostgresDatabase()]);
    const real = new URL(tenant.url);
    proxy = new TcpProxy(real.hostname, Number(real.port || 5432));
    const viaProxy = new URL(tenant.url);
    viaProxy.port = String(await proxy.start());
    t = await startTestApp({ env: { DATABASE_URL: catalog.url, SQL_ALLOWED_HOSTS: '127.0.0.1' } });
    admin = await t.token('admin', ['system_admin']);
    for (const body of [{ name: 'healthy' }, { name: 'tenant', connectionString: viaProxy.toString() }, { name: 'gone', connectionString: dropped.url }]) {
      const created = await t.http.post('/api/v1/queues').set(auth()).send(body);
      expect(created.status).toBe(201);
      expect(created.body.storageEngine).toBe('sql');
    }
    expect((await t.http.post('/api/v1/topics').set(auth()).send({ name: 'both' })).status).toBe(201);
    for (const queue of ['healthy', 'tenant']) expect((await t.http.put(`/api/v1/topics/both/queues/${queue}`).set(auth())).status).toBe(204);
  });

  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
    await Promise.all([catalog, tenant, dropped].map((d) => d?.drop()));
  });

  it('answers 503 STORAGE_UNAVAILABLE on that queue only, keeps readiness, shows it in stats and metrics, and recovers by itself', async () => {
    const before = await push('tenant', { n: 0 });
    expect(before.status).toBe(201);
    expect(await storageUp('tenant')).toBe(1);

    await proxy.cut();
    const refused = await push('tenant');
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('STORAGE_UNAVAILABLE');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const id = before.body.id as string;
    const routes = {
      batch: await t.http
        .post('/api/v1/queues/tenant/messages/batch')
        .set(auth())
        .send({ messages: [{ n: 2 }] }),
      receive: await t.http.post('/api/v1/queues/tenant/messages/receive').set(auth()).send({ waitSeconds: 1 }),
      ack: await t.http.post(`/api/v1/queues/tenant/messages/${id}/ack`).set(auth()).send({ receipt: 'r', outcome: 'complete' }),
      lease: await t.http.post(`/api/v1/queues/tenant/messages/${id}/lease`).set(auth()).send({ receipt: 'r', visibilityTimeoutSeconds: 60 }),
      requeue: await t.http.post(`/api/v1/queues/tenant/messages/${id}/requeue`).set(auth()).send({}),
      get: await t.http.get(`/api/v1/queues/tenant/messages/${id}`).set(auth()),
      list: await t.http.get('/api/v1/queues/tenant/messages').set(auth()),
      delete: await t.http.delete(`/api/v1/queues/tenant/messages/${id}`).set(auth()),
    };
    for (const [route, res] of Object.entries(routes)) expect([route, res.status, res.body.code]).toEqual([route, 503, 'STORAGE_UNAVAILABLE']);
    const published = await t.http.post('/api/v1/topics/both/messages').set(auth()).send({ n: 3 });
    expect([published.status, published.body.code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
    expect((await t.http.get('/api/v1/queues/healthy/stats').set(auth())).body.counts.PENDING).toBe(0);
    const stats = await t.http.get('/api/v1/queues/tenant/stats').set(auth());
    expect(stats.status).toBe(503);
    expect(stats.body.details).toEqual({ queue: 'tenant', storage: { available: false, since: expect.any(String) } });
    expect(Date.parse(stats.body.details.storage.since)).toBeGreaterThan(Date.now() - 60_000);
    await waitFor(async () => (await storageUp('tenant')) === 0, 10_000, 200);

    const ready = await t.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', error: {}, details: { lifecycle: { status: 'up' }, catalog: { status: 'up' } } });
    expect((await push('healthy')).status).toBe(201);
    expect((await t.http.get('/api/v1/queues/healthy/stats').set(auth())).body.storage).toEqual({ available: true, since: expect.any(String) });
    expect(await storageUp('healthy')).toBe(1);

    await proxy.restore();
    await waitFor(async () => (await t.http.get('/api/v1/queues/tenant/stats').set(auth())).body.storage?.available === true, 15_000, 200);
    await waitFor(async () => (await storageUp('tenant')) === 1, 10_000, 200);
    expect((await push('tenant')).status).toBe(201);
    const got = await t.http.get(`/api/v1/queues/tenant/messages/${before.body.id}`).set(auth());
    expect(got.body).toMatchObject({ status: 'PENDING', request: { n: 0 } });
  }, 45_000);

  it('answers 503, not 500, on a push to a queue whose database was dropped; readiness stays 200; recreated empty, it is migrated again', async () => {
    expect((await push('gone')).status).toBe(201);
    await dropped.drop();
    for (let i = 0; i < 3; i++) {
      const res = await push('gone');
      expect([res.status, res.body.code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
      expect(JSON.stringify(res.body)).not.toMatch(/password/i);
    }
    expect((await t.http.get('/readyz')).status).toBe(200);
    expect((await push('healthy')).status).toBe(201);

    await dropped.recreate();
    const statuses = new Set<number>();
    await waitFor(
      async () => {
        const res = await push('gone', { n: 'again' });
        statuses.add(res.status);
        return res.status === 201;
      },
      15_000,
      100,
    );
    expect([...statuses].filter((s) => s !== 201 && s !== 503)).toEqual([]);
    expect((await t.http.get('/api/v1/queues/gone/stats').set(auth())).body).toMatchObject({ counts: { PENDING: 1 }, storage: { available: true } });
  }, 30_000);
});
