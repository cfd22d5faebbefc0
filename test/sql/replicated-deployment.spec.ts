import { signToken, TEST_SECRET } from '../support/app';
import { waitFor } from '../support/time';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';
import { call as callReplica, startReplica, stopReplica, type Replica } from './fixtures/replica-process';
import { TcpProxy } from './tcp-proxy';

/**
 * Issue 15's acceptance, items 1, 2 and 3: two real Mailroom processes on one Postgres database, set
 * up as the postgres overlay runs them (DATABASE_URL, no STORAGE_ENGINES given: the defaults).
 */
describeWithDatabase('postgres', 'replicated deployment: two processes on one DATABASE_URL', () => {
  let catalog: IsolatedDatabase;
  let tenant: IsolatedDatabase;
  let proxy: TcpProxy;
  let a: Replica;
  let b: Replica;
  let token: string;
  let tenantUrl: string;

  beforeAll(async () => {
    [catalog, tenant] = await Promise.all([isolatedDatabase('postgres'), isolatedDatabase('postgres')]);
    const real = new URL(tenant.url);
    proxy = new TcpProxy(real.hostname, Number(real.port || 5432));
    const viaProxy = new URL(tenant.url);
    viaProxy.port = String(await proxy.start());
    tenantUrl = viaProxy.toString();
    const env = { DATABASE_URL: catalog.url, SQL_ALLOWED_HOSTS: '127.0.0.1' };
    [a, b] = await Promise.all([startReplica(env), startReplica(env)]);
    token = await signToken(TEST_SECRET, 'admin', ['system_admin']);
  }, 90_000);

  afterAll(async () => {
    await proxy?.restore();
    await Promise.all([a, b].filter(Boolean).map(stopReplica));
    await proxy?.close();
    await Promise.all([catalog, tenant].map((d) => d?.drop()));
  });

  const call = (replica: Replica, method: string, url: string, body?: unknown) => callReplica(replica, token, method, url, body);
  const storageUp = async (replica: Replica, queue: string) => {
    const text = String((await callReplica(replica, null, 'GET', '/metrics')).body);
    const line = text.split('\n').find((l) => l.startsWith(`mailroom_queue_storage_up{queue="${queue}"}`));
    return line ? Number(line.split(' ').pop()) : undefined;
  };

  it('(1) a queue created without storageEngine is sql: pushed on A, it is counted and received on B', async () => {
    const created = await call(a, 'POST', '/api/v1/queues', { name: 'orders', incoming: { schema: { type: 'object', required: ['sku'] } } });
    expect([created.status, created.body.storageEngine]).toEqual([201, 'sql']);
    await waitFor(async () => (await call(b, 'GET', '/api/v1/queues/orders')).status === 200, 8000, 50);
    const ids: string[] = [];
    for (const sku of ['A1', 'A2', 'A3']) {
      const pushed = await call(a, 'POST', '/api/v1/queues/orders/messages', { sku });
      expect(pushed.status).toBe(201);
      ids.push(pushed.body.id);
    }
    expect((await call(b, 'GET', '/api/v1/queues/orders/stats')).body.counts.PENDING).toBe(3);
    const received = await call(b, 'POST', '/api/v1/queues/orders/messages/receive', { maxMessages: 10 });
    expect(received.status).toBe(200);
    expect(received.body.messages.map((m: { id: string }) => m.id)).toEqual(ids);
    for (const m of received.body.messages) {
      expect((await call(b, 'POST', `/api/v1/queues/orders/messages/${m.id}/ack`, { receipt: m.receipt, outcome: 'complete' })).status).toBe(200);
    }
    expect((await call(a, 'GET', '/api/v1/queues/orders/stats')).body.counts).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: 3, ERROR: 0 });
  });

  it('(2) a queue whose own database is cut answers 503 on both; the other queues and readiness stay up; it recovers', async () => {
    const created = await call(a, 'POST', '/api/v1/queues', { name: 'tenant', connectionString: tenantUrl });
    expect([created.status, created.body.storageEngine]).toEqual([201, 'sql']);
    await waitFor(async () => (await call(b, 'GET', '/api/v1/queues/tenant')).status === 200, 8000, 50);
    for (const replica of [a, b]) expect((await call(replica, 'POST', '/api/v1/queues/tenant/messages', { before: true })).status).toBe(201);

    await proxy.cut();
    for (const replica of [a, b]) {
      const refused = await call(replica, 'POST', '/api/v1/queues/tenant/messages', { during: true });
      expect([refused.status, refused.body.code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const received = await call(replica, 'POST', '/api/v1/queues/tenant/messages/receive', {});
      expect([received.status, received.body.code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
      const stats = await call(replica, 'GET', '/api/v1/queues/tenant/stats');
      expect([stats.status, stats.body.details?.storage?.available]).toEqual([503, false]);
      await waitFor(async () => (await storageUp(replica, 'tenant')) === 0, 10_000, 200);

      const ready = await callReplica(replica, null, 'GET', '/readyz');
      expect([ready.status, ready.body.status]).toEqual([200, 'ok']);
      const pushed = await call(replica, 'POST', '/api/v1/queues/orders/messages', { sku: 'during-outage' });
      expect(pushed.status).toBe(201);
      const got = await call(replica === a ? b : a, 'GET', `/api/v1/queues/orders/messages/${pushed.body.id}`);
      expect(got.body).toMatchObject({ status: 'PENDING', request: { sku: 'during-outage' } });
      expect(await storageUp(replica, 'orders')).toBe(1);
    }

    await proxy.restore();
    for (const replica of [a, b]) {
      await waitFor(async () => (await call(replica, 'POST', '/api/v1/queues/tenant/messages', { after: true })).status === 201, 15_000, 200);
      await waitFor(async () => (await storageUp(replica, 'tenant')) === 1, 10_000, 200);
    }
    const stats = await call(b, 'GET', '/api/v1/queues/tenant/stats');
    expect(stats.body).toMatchObject({ counts: { PENDING: 4 }, storage: { available: true } });
  }, 60_000);
  it('(3) a pulled message is redelivered after each lease expiry until maxReceives, then dead-lettered; a redrive on both at once returns each dead letter once; a purge empties the queue', async () => {
    for (const body of [{ name: 'jobs-dead' }, { name: 'jobs', delivery: { maxReceives: 2, deadLetterQueue: 'jobs-dead' } }]) {
      expect((await call(a, 'POST', '/api/v1/queues', body)).status).toBe(201);
    }
    await waitFor(async () => (await call(b, 'GET', '/api/v1/queues/jobs')).status === 200, 8000, 50);
    const ids: string[] = [];
    for (const n of [1, 2]) ids.push((await call(a, 'POST', '/api/v1/queues/jobs/messages', { n })).body.id);
    type Leased = { id: string; attempts: number };
    const receiveAll = async (replica: Replica, attempts: number) => {
      const got: Leased[] = [];
      await waitFor(
        async () => {
          const res = await call(replica, 'POST', '/api/v1/queues/jobs/messages/receive', { maxMessages: 10, visibilityTimeoutSeconds: 1 });
          got.push(...(res.body.messages as Leased[]));
          return got.length >= ids.length;
        },
        10_000,
        100,
      );
      expect(got.map((m) => m.id).sort()).toEqual([...ids].sort());
      expect(got.every((m) => m.attempts === attempts)).toBe(true);
    };
    await receiveAll(a, 1);
    await receiveAll(b, 2);
    await waitFor(async () => (await call(a, 'GET', '/api/v1/queues/jobs/stats')).body.counts.ERROR === 2, 10_000, 100);
    for (const id of ids)
      expect((await call(b, 'GET', `/api/v1/queues/jobs/messages/${id}`)).body).toMatchObject({
        status: 'ERROR',
        attempts: 2,
        error: { name: 'MaxReceivesExceeded' },
      });
    const dead = (await call(b, 'GET', '/api/v1/queues/jobs-dead/messages')).body.items as Array<{ id: string; deadLetter: { id: string } }>;
    expect(dead.map((m) => m.deadLetter.id).sort()).toEqual([...ids].sort());

    const redrives = await Promise.all([a, b].map((replica) => call(replica, 'POST', '/api/v1/queues/jobs-dead/messages/redrive', {})));
    expect(redrives.map((r) => [r.status, r.body.done])).toEqual([
      [200, true],
      [200, true],
    ]);
    const requeued = redrives.flatMap((r) => r.body.items as Array<{ source: { id: string }; outcome: string }>).filter((i) => i.outcome === 'requeued');
    expect(requeued.map((i) => i.source.id).sort()).toEqual([...ids].sort());
    expect((await call(a, 'GET', '/api/v1/queues/jobs-dead/stats')).body.counts).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 });
    expect((await call(b, 'GET', '/api/v1/queues/jobs/stats')).body.counts).toEqual({ PENDING: 2, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 });

    const purged = await call(a, 'POST', '/api/v1/queues/jobs/messages/purge', {});
    expect(purged.body).toEqual({ queue: 'jobs', status: null, deleted: 2, done: true });
    expect((await call(b, 'GET', '/api/v1/queues/jobs/stats')).body.counts).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 });
  }, 60_000);
});
