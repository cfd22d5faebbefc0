import { startTestApp, type TestApp } from '../support/app';
import { TopicPublisher } from '@app/topics/topic-publisher';

describe('topics: admin, bindings and fan-out (e2e)', () => {
  let t: TestApp;
  let admin: string;

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({
      env: { DISPATCHER_ENABLED: 'false' },
      files: {
        'queues/audit.queue.json': { name: 'audit' },
        'topics/filed.topic.json': { name: 'filed', queues: ['audit'] },
      },
    });
    admin = await t.token('admin', ['system_admin']);
    for (const body of [
      { name: 'billing', incoming: { schema: { type: 'object', required: ['amount'] } } },
      { name: 'shipping', incoming: { schema: { type: 'object', required: ['address'] } } },
      { name: 'loose' },
    ]) {
      expect((await t.http.post('/api/v1/queues').set(auth(admin)).send(body)).status).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  async function counts(queue: string) {
    return (await t.http.get(`/api/v1/queues/${queue}/stats`).set(auth(admin))).body.counts;
  }

  it('creates, lists, reads and deletes topics with their bound queues', async () => {
    const created = await t.http
      .post('/api/v1/topics')
      .set(auth(admin))
      .send({ name: 'orders', queues: ['billing'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'orders', source: 'api', queues: ['billing'] });
    expect((await t.http.put('/api/v1/topics/orders/queues/shipping').set(auth(admin))).status).toBe(204);
    expect((await t.http.put('/api/v1/topics/orders/queues/shipping').set(auth(admin))).status).toBe(204);
    expect((await t.http.get('/api/v1/topics/orders').set(auth(admin))).body.queues).toEqual(['billing', 'shipping']);

    const list = await t.http.get('/api/v1/topics').set(auth(admin));
    expect(list.status).toBe(200);
    expect(list.body.items.map((x: { name: string; source: string; queues: string[] }) => [x.name, x.source, x.queues])).toEqual(
      expect.arrayContaining([
        ['filed', 'file', ['audit']],
        ['orders', 'api', ['billing', 'shipping']],
      ]),
    );
    const paged = await t.http.get('/api/v1/topics?limit=1').set(auth(admin));
    expect(paged.body.items).toHaveLength(1);
    expect(paged.body.nextCursor).toEqual(expect.any(String));

    expect((await t.http.delete('/api/v1/topics/orders/queues/shipping').set(auth(admin))).status).toBe(204);
    expect((await t.http.delete('/api/v1/topics/orders/queues/shipping').set(auth(admin))).status).toBe(204);
    expect((await t.http.get('/api/v1/topics/orders').set(auth(admin))).body.queues).toEqual(['billing']);
    expect((await t.http.delete('/api/v1/topics/orders').set(auth(admin))).status).toBe(204);
    expect((await t.http.get('/api/v1/topics/orders').set(auth(admin))).body.code).toBe('TOPIC_NOT_FOUND');
    expect((await t.http.delete('/api/v1/topics/orders').set(auth(admin))).status).toBe(404);
  });

  it('validates topic definitions and bindings', async () => {
    expect((await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'bad/name' })).body.code).toBe('INVALID_TOPIC_DEFINITION');
    expect((await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'x', extra: 1 })).status).toBe(400);
    expect(
      (
        await t.http
          .post('/api/v1/topics')
          .set(auth(admin))
          .send({ name: 'x', queues: ['ghost'] })
      ).body.code,
    ).toBe('QUEUE_NOT_FOUND');
    expect((await t.http.get('/api/v1/topics/x').set(auth(admin))).status).toBe(404);
    await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'x' });
    expect((await t.http.put('/api/v1/topics/x/queues/ghost').set(auth(admin))).body.code).toBe('QUEUE_NOT_FOUND');
    expect((await t.http.put('/api/v1/topics/ghost/queues/loose').set(auth(admin))).body.code).toBe('TOPIC_NOT_FOUND');
    await t.http.delete('/api/v1/topics/x').set(auth(admin));
  });

  it('shares one namespace with queues (NAME_TAKEN both ways)', async () => {
    expect((await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'billing' })).body.code).toBe('NAME_TAKEN');
    expect((await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'audit' })).status).toBe(409);
    expect((await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'filed' })).body.code).toBe('NAME_TAKEN');
    await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'news' });
    expect((await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'news' })).body.code).toBe('NAME_TAKEN');
    const queue = await t.http.post('/api/v1/queues').set(auth(admin)).send({ name: 'news' });
    expect(queue.status).toBe(409);
    expect(queue.body.code).toBe('NAME_TAKEN');
    expect((await t.http.post('/api/v1/queues').set(auth(admin)).send({ name: 'filed' })).body.code).toBe('NAME_TAKEN');
    await t.http.delete('/api/v1/topics/news').set(auth(admin));
  });

  it('file topics are read-only through the API', async () => {
    const filed = await t.http.get('/api/v1/topics/filed').set(auth(admin));
    expect(filed.body).toMatchObject({ name: 'filed', source: 'file', queues: ['audit'] });
    for (const res of [
      await t.http.delete('/api/v1/topics/filed').set(auth(admin)),
      await t.http.put('/api/v1/topics/filed/queues/loose').set(auth(admin)),
      await t.http.delete('/api/v1/topics/filed/queues/audit').set(auth(admin)),
    ]) {
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('MANAGED_BY_CONFIG');
    }
    const published = await t.http.post('/api/v1/topics/filed/messages').set(auth(admin)).send({ any: 1 });
    expect(published.status).toBe(201);
    expect(published.body.messages.map((m: { queue: string }) => m.queue)).toEqual(['audit']);
  });

  it('publishes one copy per bound queue with distinct ids; a retried publish stores nothing new', async () => {
    await t.http
      .post('/api/v1/topics')
      .set(auth(admin))
      .send({ name: 'sales', queues: ['billing', 'shipping', 'loose'] });
    const body = { amount: 5, address: 'Main St 1' };
    const first = await t.http.post('/api/v1/topics/sales/messages').set(auth(admin)).set('Idempotency-Key', 'sale-1').send(body);
    expect(first.status).toBe(201);
    expect(first.body.topic).toBe('sales');
    const copies = first.body.messages as { queue: string; id: string }[];
    expect(copies.map((c) => c.queue).sort()).toEqual(['billing', 'loose', 'shipping']);
    expect(new Set(copies.map((c) => c.id)).size).toBe(3);
    for (const { queue, id } of copies) {
      const message = await t.http.get(`/api/v1/queues/${queue}/messages/${id}`).set(auth(admin));
      expect(message.body).toMatchObject({ id, queue, status: 'PENDING', request: body, sentBy: 'admin' });
    }

    const replay = await t.http.post('/api/v1/topics/sales/messages').set(auth(admin)).set('Idempotency-Key', 'sale-1').send(body);
    expect(replay.status).toBe(200);
    expect(replay.body.messages).toEqual(copies);
    for (const queue of ['billing', 'shipping', 'loose']) expect((await counts(queue)).PENDING).toBe(1);

    const other = await t.http.post('/api/v1/topics/sales/messages').set(auth(admin)).set('Idempotency-Key', 'sale-2').send(body);
    expect(other.status).toBe(201);
    for (const queue of ['billing', 'shipping', 'loose']) expect((await counts(queue)).PENDING).toBe(2);
  });

  it('a long Idempotency-Key still deduplicates every copy', async () => {
    const key = 'k'.repeat(200);
    const body = { amount: 2, address: 'Long Rd 2' };
    const first = await t.http.post('/api/v1/topics/sales/messages').set(auth(admin)).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    const again = await t.http.post('/api/v1/topics/sales/messages').set(auth(admin)).set('Idempotency-Key', key).send(body);
    expect(again.status).toBe(200);
    expect(again.body.messages).toEqual(first.body.messages);
    const tooLong = await t.http.post('/api/v1/topics/sales/messages').set(auth(admin)).set('Idempotency-Key', 'k'.repeat(201)).send(body);
    expect(tooLong.body.code).toBe('VALIDATION_FAILED');
  });

  it('a message refused by one bound queue is stored nowhere (422 names the queue)', async () => {
    const before = { billing: await counts('billing'), shipping: await counts('shipping'), loose: await counts('loose') };
    const res = await t.http.post('/api/v1/topics/sales/messages').set(auth(admin)).send({ amount: 1 });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('MESSAGE_SCHEMA_INVALID');
    expect(res.body.queue).toBe('shipping');
    expect(res.body.errors.length).toBeGreaterThan(0);
    expect({ billing: await counts('billing'), shipping: await counts('shipping'), loose: await counts('loose') }).toEqual(before);
  });

  it('a topic with no bound queue answers 201 with an empty list', async () => {
    await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'void' });
    const res = await t.http.post('/api/v1/topics/void/messages').set(auth(admin)).send({ x: 1 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ topic: 'void', messages: [] });
    expect((await t.http.post('/api/v1/topics/ghost/messages').set(auth(admin)).send({})).body.code).toBe('TOPIC_NOT_FOUND');
  });

  it('publishing needs only the topic right, never a right on the bound queues', async () => {
    const pat = await t.token('pat');
    const writer = await t.token('wes', ['topic_writer']);
    const named = await t.token('nia', ['sales_writer']);
    const queueWriter = await t.token('quentin', ['system_reader', 'queue_writer', 'billing_writer']);
    const body = { amount: 1, address: 'x' };
    expect((await t.http.post('/api/v1/topics/sales/messages').set(auth(pat)).send(body)).status).toBe(403);
    expect((await t.http.post('/api/v1/topics/sales/messages').set(auth(queueWriter)).send(body)).status).toBe(403);
    expect((await t.http.post('/api/v1/topics/sales/messages').set(auth(writer)).send(body)).status).toBe(201);
    expect((await t.http.post('/api/v1/topics/sales/messages').set(auth(named)).send(body)).status).toBe(201);
    await t.http.put('/api/v1/topics/sales/permissions/pat/send_to_topic').set(auth(admin));
    expect((await t.http.post('/api/v1/topics/sales/messages').set(auth(pat)).send(body)).status).toBe(201);
    expect((await t.http.post('/api/v1/topics/void/messages').set(auth(pat)).send(body)).status).toBe(403);
    expect((await t.http.post('/api/v1/queues/billing/messages').set(auth(pat)).send(body)).status).toBe(403);
  });

  it('deleting a queue removes its bindings; deleting a topic keeps the queues and their messages', async () => {
    await t.http.post('/api/v1/queues').set(auth(admin)).send({ name: 'shortlived' });
    await t.http
      .post('/api/v1/topics')
      .set(auth(admin))
      .send({ name: 'fleeting', queues: ['shortlived', 'loose'] });
    expect((await t.http.delete('/api/v1/queues/shortlived').set(auth(admin))).status).toBe(204);
    expect((await t.http.get('/api/v1/topics/fleeting').set(auth(admin))).body.queues).toEqual(['loose']);
    const published = await t.http.post('/api/v1/topics/fleeting/messages').set(auth(admin)).send({ y: 1 });
    const [{ id }] = published.body.messages;
    expect((await t.http.delete('/api/v1/topics/fleeting').set(auth(admin))).status).toBe(204);
    expect((await t.http.get(`/api/v1/queues/loose/messages/${id}`).set(auth(admin))).status).toBe(200);
    await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'fleeting' });
    expect((await t.http.get('/api/v1/topics/fleeting').set(auth(admin))).body.queues).toEqual([]);
  });

  it('handlers reach the fan-out through the TopicPublisher token', async () => {
    const publisher = t.app.get(TopicPublisher);
    const result = await publisher.publish('sales', { amount: 9, address: 'y' }, { sentBy: 'handler', idempotencyKey: 'h-1' });
    expect(result.topic).toBe('sales');
    expect(result.messages.map((m) => m.queue).sort()).toEqual(['billing', 'loose', 'shipping']);
    const again = await publisher.publish('sales', { amount: 9, address: 'y' }, { sentBy: 'handler', idempotencyKey: 'h-1' });
    expect(again).toEqual(result);
  });
});
