import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/app';
import { ManualClock } from '../support/time';
import { describeWithDatabase, isolatedDatabase, testDatabaseUrl, type IsolatedDatabase } from '../support/databases';

const ORDERS = { 'queues/orders.queue.json': { name: 'orders', storageEngine: 'sql', roles: { needsRole: false } } };
const QUEUE_SERIES = /^mailroom_queue_(messages|oldest_pending_age_seconds)\{queue="orders"/m;

/** Two replicas on one Postgres database: only the holder of the leader lock exports the per-queue gauges. */
describeWithDatabase('postgres', 'queue gauges with two replicas on one database', () => {
  let database: IsolatedDatabase;
  const replicas: Array<{ app: TestApp; clock: ManualClock }> = [];

  const start = async () => {
    const clock = new ManualClock(Date.now());
    const app = await startTestApp({
      clock,
      env: { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: database.host, DISPATCHER_ENABLED: 'false' },
      files: ORDERS,
    });
    const replica = { app, clock };
    replicas.push(replica);
    return replica;
  };
  const scrape = async (app: TestApp) => (await app.http.get('/metrics').expect(200)).text;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
  });
  afterAll(async () => {
    for (const { app } of replicas) await app.close();
    await database.drop();
  });

  it('exports one series per queue across replicas, and another replica takes over when the leader goes', async () => {
    const a = await start();
    const b = await start();
    const token = await a.app.token('alice', ['system_admin']);
    await a.app.http.post('/api/v1/queues/orders/messages').set('Authorization', `Bearer ${token}`).send({ n: 1 }).expect(201);
    await b.app.http.post('/api/v1/queues/orders/messages').set('Authorization', `Bearer ${token}`).send({ n: 2 }).expect(201);

    const [first, second] = [await scrape(a.app), await scrape(b.app)];
    const exporters = [first, second].filter((text) => QUEUE_SERIES.test(text));
    expect(exporters).toHaveLength(1);
    expect(exporters[0]).toMatch(/^mailroom_queue_messages\{queue="orders",status="PENDING"\} 2$/m);
    const leaderFlags = [first, second].map((text) => /^mailroom_queue_gauges_leader (\d)$/m.exec(text)?.[1]);
    expect(leaderFlags.sort()).toEqual(['0', '1']);

    const [leader, follower] = QUEUE_SERIES.test(first) ? [a, b] : [b, a];
    await leader.app.close();
    replicas.splice(replicas.indexOf(leader), 1);
    follower.clock.advance(6_000);
    const afterHandover = await scrape(follower.app);
    expect(afterHandover).toMatch(/^mailroom_queue_messages\{queue="orders",status="PENDING"\} 2$/m);
    expect(afterHandover).toMatch(/^mailroom_queue_gauges_leader 1$/m);
  });

  it('re-elects when the leader loses its database session without releasing the lock', async () => {
    const [survivor] = replicas;
    const c = await start();
    expect(await scrape(c.app)).not.toMatch(QUEUE_SERIES);
    // end the leader's session from outside, as a crashed pod or a dropped connection would
    const admin = new Client({ connectionString: testDatabaseUrl('postgres') });
    await admin.connect();
    try {
      const schema = new URL(database.url).searchParams.get('schema');
      const ended = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid::bigint = (hashtext($1)::bigint & 4294967295)`,
        [`mailroom:queue-gauges:test:${schema}`],
      );
      expect(ended.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    for (const r of [survivor, c]) r.clock.advance(6_000);
    // the old leader notices at its next refresh and gives up; whoever asks next takes the lock
    const texts = [await scrape(survivor.app), await scrape(c.app)];
    for (const r of [survivor, c]) r.clock.advance(6_000);
    texts.push(await scrape(survivor.app), await scrape(c.app));
    expect(texts.slice(2).filter((text) => QUEUE_SERIES.test(text))).toHaveLength(1);
  });
});

describeWithDatabase('mariadb', 'queue gauges with two replicas on one MariaDB database (GET_LOCK)', () => {
  let database: IsolatedDatabase;
  const replicas: TestApp[] = [];
  const start = async () => {
    const app = await startTestApp({ env: { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: database.host, DISPATCHER_ENABLED: 'false' }, files: ORDERS });
    replicas.push(app);
    return app;
  };

  beforeAll(async () => {
    database = await isolatedDatabase('mariadb');
  });
  afterAll(async () => {
    for (const app of replicas) await app.close();
    await database.drop();
  });

  it('exports the queue gauges from one replica only', async () => {
    const [a, b] = [await start(), await start()];
    const token = await a.token('alice', ['system_admin']);
    await a.http.post('/api/v1/queues/orders/messages').set('Authorization', `Bearer ${token}`).send({ n: 1 }).expect(201);
    const texts = [(await a.http.get('/metrics').expect(200)).text, (await b.http.get('/metrics').expect(200)).text];
    expect(texts.filter((text) => QUEUE_SERIES.test(text))).toHaveLength(1);
    expect(texts.map((text) => /^mailroom_queue_gauges_leader (\d)$/m.exec(text)?.[1]).sort()).toEqual(['0', '1']);
  });
});
