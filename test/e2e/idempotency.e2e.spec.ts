import { startTestApp, type TestApp } from '../support/app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase, type TestDatabaseKind } from '../support/databases';

/**
 * Idempotency keys are scoped per sender and per kind (single push, batch, topic publish): issue 14
 * item 5. Runs the same reproductions on the filesystem engine and on the SQL engine.
 */
function idempotencySuite(engine: 'filesystem' | TestDatabaseKind): void {
  let t: TestApp;
  let database: IsolatedDatabase | undefined;
  let admin: string;
  let alice: string;
  let mallory: string;
  let publisher: string;

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const push = (queue: string, body: object, token: string, key: string) =>
    t.http.post(`/api/v1/queues/${queue}/messages`).set(auth(token)).set('Idempotency-Key', key).send(body);
  const batch = (queue: string, messages: object[], token: string, key: string) =>
    t.http.post(`/api/v1/queues/${queue}/messages/batch`).set(auth(token)).set('Idempotency-Key', key).send({ messages });
  const publish = (topic: string, body: object, token: string, key: string) =>
    t.http.post(`/api/v1/topics/${topic}/messages`).set(auth(token)).set('Idempotency-Key', key).send(body);

  async function requests(queue: string): Promise<unknown[]> {
    const page = await t.http.get(`/api/v1/queues/${queue}/messages?limit=1000`).set(auth(admin));
    expect(page.status).toBe(200);
    return page.body.items.map((m: { request: unknown }) => m.request);
  }

  beforeAll(async () => {
    const env: Record<string, string> = { DISPATCHER_ENABLED: 'false' };
    if (engine !== 'filesystem') {
      database = await isolatedDatabase(engine);
      env.DATABASE_URL = database.url;
    }
    t = await startTestApp({ env });
    admin = await t.token('admin', ['system_admin']);
    alice = await t.token('alice', ['queue_writer']);
    mallory = await t.token('mallory', ['queue_writer']);
    publisher = await t.token('pat', ['queue_writer', 'topic_writer']);
    for (const name of ['payments', 'events', 'bulk', 'exact']) {
      expect((await t.http.post('/api/v1/queues').set(auth(admin)).send({ name })).status).toBe(201);
    }
    expect(
      (
        await t.http
          .post('/api/v1/topics')
          .set(auth(admin))
          .send({ name: 'T', queues: ['events'] })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it(`another writer's push with the same key stores its own message and never sees the first (${engine})`, async () => {
    const first = await push('payments', { card: '4111-1111-1111-1111' }, alice, 'order-1');
    expect(first.status).toBe(201);

    const theirs = await push('payments', { card: 'mallory' }, mallory, 'order-1');
    expect(theirs.status).toBe(201);
    expect(theirs.body).toMatchObject({ request: { card: 'mallory' }, sentBy: 'mallory' });
    expect(theirs.body.id).not.toBe(first.body.id);
    expect(JSON.stringify(theirs.body)).not.toContain('4111');

    const replay = await push('payments', { card: 'changed' }, alice, 'order-1');
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: first.body.id, request: { card: '4111-1111-1111-1111' }, sentBy: 'alice' });
    const again = await push('payments', { card: 'mallory again' }, mallory, 'order-1');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(theirs.body.id);
    expect(await requests('payments')).toEqual([{ card: '4111-1111-1111-1111' }, { card: 'mallory' }]);
  });

  it(`a direct push cannot forge a topic publish's key (${engine})`, async () => {
    const forged = await push('events', { forged: true }, publisher, 'topic:T:evt-9');
    expect(forged.status).toBe(201);

    const event = await publish('T', { real: true }, publisher, 'evt-9');
    expect(event.status).toBe(201);
    expect(event.body.messages).toEqual([{ queue: 'events', id: expect.any(String) }]);
    expect(event.body.messages[0].id).not.toBe(forged.body.id);
    expect(await requests('events')).toEqual([{ forged: true }, { real: true }]);

    const retried = await publish('T', { real: true }, publisher, 'evt-9');
    expect(retried.status).toBe(200);
    expect(retried.body.messages).toEqual(event.body.messages);
    const byOther = await t.http
      .post('/api/v1/topics/T/messages')
      .set(auth(await t.token('tess', ['topic_writer'])))
      .set('Idempotency-Key', 'evt-9')
      .send({ other: true });
    expect(byOther.status).toBe(201);
    expect(await requests('events')).toEqual([{ forged: true }, { real: true }, { other: true }]);
  });

  it(`a batch key and a single push's key never collide, in either order (${engine})`, async () => {
    const batched = await batch('bulk', [{ b: 0 }, { b: 1 }], alice, 'B');
    expect(batched.status).toBe(201);
    const single = await push('bulk', { single: 0 }, alice, 'B:0');
    expect(single.status).toBe(201);
    expect(single.body.request).toEqual({ single: 0 });

    const singleFirst = await push('bulk', { single: 'C' }, alice, 'C:1');
    expect(singleFirst.status).toBe(201);
    const batchAfter = await batch('bulk', [{ c: 0 }, { c: 1 }], alice, 'C');
    expect(batchAfter.status).toBe(201);
    expect(batchAfter.body.items.map((m: { request: unknown }) => m.request)).toEqual([{ c: 0 }, { c: 1 }]);

    const replayed = await batch('bulk', [{ b: 'x' }, { b: 'y' }], alice, 'B');
    expect(replayed.body.items.map((m: { id: string }) => m.id)).toEqual(batched.body.items.map((m: { id: string }) => m.id));
    expect(await requests('bulk')).toEqual([{ b: 0 }, { b: 1 }, { single: 0 }, { single: 'C' }, { c: 0 }, { c: 1 }]);
  });

  it(`keys compare exactly: case matters; keys with spaces or over 200 characters are refused (${engine})`, async () => {
    expect((await push('exact', { k: 'lower' }, alice, 'order-1')).status).toBe(201);
    expect((await push('exact', { k: 'upper' }, alice, 'Order-1')).status).toBe(201);
    expect((await push('exact', { k: 'lower again' }, alice, 'order-1')).status).toBe(200);
    for (const key of ['order 1', 'k'.repeat(201)]) {
      const refused = await push('exact', { k: 'refused' }, alice, key);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('VALIDATION_FAILED');
    }
    expect(await requests('exact')).toEqual([{ k: 'lower' }, { k: 'upper' }]);
  });
}

describe('idempotency keys (e2e): filesystem', () => idempotencySuite('filesystem'));
describeWithDatabase('postgres', 'idempotency keys (e2e): sql on postgres', () => idempotencySuite('postgres'));
describeWithDatabase('mariadb', 'idempotency keys (e2e): sql on mariadb', () => idempotencySuite('mariadb'));
