import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';
import { TcpProxy } from './tcp-proxy';

/**
 * The database goes away mid-load (a loopback proxy in front of Postgres drops every
 * connection and refuses new ones), then comes back. The real server is never stopped.
 */
describeWithDatabase('postgres', 'sql engine: a database outage', () => {
  let database: IsolatedDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    const real = new URL(database.url);
    proxy = new TcpProxy(real.hostname, Number(real.port || 5432));
    const port = await proxy.start();
    const viaProxy = new URL(database.url);
    viaProxy.port = String(port);
    t = await startTestApp({ env: { DATABASE_URL: viaProxy.toString() } });
    admin = await t.token('admin', ['system_admin']);
    const created = await t.http.post('/api/v1/queues').set('Authorization', `Bearer ${admin}`).send({ name: 'outage', storageEngine: 'sql' });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
    await database?.drop();
  });

  const push = (n: number) => t.http.post('/api/v1/queues/outage/messages').set('Authorization', `Bearer ${admin}`).send({ n });

  it('answers 503 STORAGE_UNAVAILABLE and not ready while the database is away, recovers by itself, and loses no stored message', async () => {
    const stored: string[] = [];
    const refused: string[] = [];
    const unexpected: string[] = [];
    let phase: 'up' | 'down' | 'back' = 'up';
    let running = true;
    let sent = 0;
    const loader = async () => {
      while (running) {
        const res = await push(sent++);
        if (res.status === 201) stored.push(res.body.id);
        else if (res.status === 503 && res.body.code === 'STORAGE_UNAVAILABLE') refused.push(phase);
        else unexpected.push(`${res.status} ${JSON.stringify(res.body)}`);
      }
    };
    const loaders = Array.from({ length: 4 }, loader);

    await waitFor(() => stored.length >= 20);
    phase = 'down';
    await proxy.cut();
    await waitFor(() => refused.length >= 5);
    const down = await t.http.get('/readyz');
    expect(down.status).toBe(503);
    expect(JSON.stringify(down.body)).not.toMatch(/password/i);
    const storedWhileDown = stored.length;

    phase = 'back';
    await proxy.restore();
    await waitFor(() => stored.length >= storedWhileDown + 20, 10_000);
    running = false;
    await Promise.all(loaders);
    await waitFor(async () => (await t.http.get('/readyz')).status === 200, 10_000);

    expect(unexpected).toEqual([]);
    expect(refused.length).toBeGreaterThanOrEqual(5);
    for (const id of stored) {
      const res = await t.http.get(`/api/v1/queues/outage/messages/${id}`).set('Authorization', `Bearer ${admin}`);
      expect(res.status).toBe(200);
    }
    const stats = await t.http.get('/api/v1/queues/outage/stats').set('Authorization', `Bearer ${admin}`);
    expect(stats.body.counts.PENDING).toBeGreaterThanOrEqual(stored.length);
  });
});
