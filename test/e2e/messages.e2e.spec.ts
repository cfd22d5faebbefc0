import { startTestApp, type TestApp } from '../support/app';
import { ManualClock } from '../support/time';

describe('messages API (e2e)', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let writer: string;
  let reader: string;

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { MESSAGE_MAX_BYTES: String(200 * 1024), DISPATCHER_ENABLED: 'false' },
      files: {
        'queues/orders.queue.json': {
          incoming: { schema: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } } } },
        },
        'queues/bulk.queue.json': {},
        'queues/listing.queue.json': {},
      },
    });
    writer = await t.token('alice', ['queue_writer']);
    reader = await t.token('rita', ['queue_reader']);
  });
  afterAll(() => t.close());

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const push = (queue: string, body: unknown, token = writer) =>
    t.http
      .post(`/api/v1/queues/${queue}/messages`)
      .set(auth(token))
      .send(body as object);

  it('stores a message: 201, Location, and the stored message', async () => {
    const response = await push('orders', { sku: 'A1' });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      queue: 'orders',
      status: 'PENDING',
      request: { sku: 'A1' },
      result: null,
      error: null,
      attempts: 0,
      sentBy: 'alice',
      createdAt: new Date(clock.now()).toISOString(),
      updatedAt: new Date(clock.now()).toISOString(),
    });
    expect(response.headers.location).toBe(`/api/v1/queues/orders/messages/${response.body.id}`);
    const read = await t.http.get(response.headers.location).set(auth(writer));
    expect(read.status).toBe(200);
    expect(read.body).toEqual(response.body);
  });

  it('accepts the token in x-access-token', async () => {
    const response = await t.http.post('/api/v1/queues/orders/messages').set('x-access-token', writer).send({ sku: 'X' });
    expect(response.status).toBe(201);
  });

  it('refuses a message that breaks the schema with 422 and ajv errors, storing nothing', async () => {
    const before = await t.http.get('/api/v1/queues/orders/stats').set(auth(await t.token('adm', ['system_admin'])));
    const response = await push('orders', { qty: 0 });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ statusCode: 422, code: 'MESSAGE_SCHEMA_INVALID', queue: 'orders' });
    expect(response.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ keyword: 'required' }), expect.objectContaining({ keyword: 'minimum', instancePath: '/qty' })]),
    );
    const after = await t.http.get('/api/v1/queues/orders/stats').set(auth(await t.token('adm', ['system_admin'])));
    expect(after.body.counts).toEqual(before.body.counts);
  });

  it('answers a replayed Idempotency-Key with 200 and the first message', async () => {
    const first = await push('orders', { sku: 'K' }).set('Idempotency-Key', 'order-42');
    expect(first.status).toBe(201);
    const again = await push('orders', { sku: 'K2' }).set('Idempotency-Key', 'order-42');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.request).toEqual({ sku: 'K' });
    const bad = await push('orders', { sku: 'K' }).set('Idempotency-Key', 'x'.repeat(201));
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('delays delivery with delaySeconds and validates it', async () => {
    const delayed = await t.http.post('/api/v1/queues/orders/messages?delaySeconds=60').set(auth(writer)).send({ sku: 'later' });
    expect(delayed.status).toBe(201);
    expect(delayed.body.availableAt).toBe(new Date(clock.now() + 60_000).toISOString());
    for (const value of ['-1', 'soon', '86401', '1.5']) {
      const response = await t.http.post(`/api/v1/queues/orders/messages?delaySeconds=${value}`).set(auth(writer)).send({ sku: 'x' });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    }
  });

  it('stores a batch when every message is valid', async () => {
    const response = await t.http
      .post('/api/v1/queues/bulk/messages/batch')
      .set(auth(writer))
      .send({ messages: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    expect(response.status).toBe(201);
    expect(response.body.items.map((m: { request: unknown }) => m.request)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(new Set(response.body.items.map((m: { id: string }) => m.id)).size).toBe(3);
  });

  it('stores no message of a batch when one is invalid', async () => {
    const admin = await t.token('adm', ['system_admin']);
    const before = (await t.http.get('/api/v1/queues/orders/stats').set(auth(admin))).body.counts.PENDING;
    const response = await t.http
      .post('/api/v1/queues/orders/messages/batch')
      .set(auth(writer))
      .send({ messages: [{ sku: 'ok' }, { nope: true }, { sku: 'ok2' }] });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('MESSAGE_SCHEMA_INVALID');
    expect(response.body.message).toMatch(/messages\[1\]/);
    const after = (await t.http.get('/api/v1/queues/orders/stats').set(auth(admin))).body.counts.PENDING;
    expect(after).toBe(before);
  });

  it.each([
    [{ messages: [] }, 400],
    [{ messages: Array.from({ length: 101 }, () => ({})) }, 400],
    [{ items: [{}] }, 400],
    [[{}], 400],
  ])('refuses a malformed batch %#', async (body, status) => {
    const response = await t.http.post('/api/v1/queues/bulk/messages/batch').set(auth(writer)).send(body);
    expect(response.status).toBe(status);
    expect(response.body.code).toBe('VALIDATION_FAILED');
  });

  it('makes idempotent batches; a single push with "<key>:<i>" is a message of its own', async () => {
    const first = await t.http
      .post('/api/v1/queues/bulk/messages/batch')
      .set(auth(writer))
      .set('Idempotency-Key', 'b1')
      .send({ messages: [{ a: 1 }, { a: 2 }] });
    const again = await t.http
      .post('/api/v1/queues/bulk/messages/batch')
      .set(auth(writer))
      .set('Idempotency-Key', 'b1')
      .send({ messages: [{ a: 1 }, { a: 2 }] });
    expect(again.body.items.map((m: { id: string }) => m.id)).toEqual(first.body.items.map((m: { id: string }) => m.id));
    const single = await push('bulk', { a: 2 }).set('Idempotency-Key', 'b1:1');
    expect(single.status).toBe(201);
    expect(first.body.items.map((m: { id: string }) => m.id)).not.toContain(single.body.id);
  });

  it('lists messages by status in send order with cursor paging', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await push('listing', { i });
      ids.push(response.body.id);
      clock.advance(1);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string; status: string }[]; nextCursor: string | null } } = await t.http
        .get('/api/v1/queues/listing/messages')
        .query({ status: 'PENDING', limit: 2, ...(cursor ? { cursor } : {}) })
        .set(auth(reader));
      expect(page.status).toBe(200);
      expect(page.body.items.every((m) => m.status === 'PENDING')).toBe(true);
      seen.push(...page.body.items.map((m) => m.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    const none = await t.http.get('/api/v1/queues/listing/messages?status=COMPLETE').set(auth(reader));
    expect(none.body).toEqual({ items: [], nextCursor: null });
    expect((await t.http.get('/api/v1/queues/listing/messages?status=DONE').set(auth(reader))).status).toBe(400);
    expect((await t.http.get('/api/v1/queues/listing/messages?limit=0').set(auth(reader))).status).toBe(400);
    expect((await t.http.get('/api/v1/queues/listing/messages?cursor=%%%').set(auth(reader))).body.code).toBe('INVALID_CURSOR');
    expect((await t.http.get('/api/v1/queues/listing/messages').set(auth(writer))).status).toBe(403);
  });

  it('deletes a message', async () => {
    const { body } = await push('orders', { sku: 'gone' });
    expect((await t.http.delete(`/api/v1/queues/orders/messages/${body.id}`).set(auth(writer))).status).toBe(204);
    const read = await t.http.get(`/api/v1/queues/orders/messages/${body.id}`).set(auth(writer));
    expect(read.status).toBe(404);
    expect(read.body.code).toBe('MESSAGE_NOT_FOUND');
    expect((await t.http.delete(`/api/v1/queues/orders/messages/${body.id}`).set(auth(writer))).status).toBe(404);
  });

  it('answers 404 for unknown queues and message ids', async () => {
    const queue = await push('nowhere', {});
    expect(queue.status).toBe(404);
    expect(queue.body.code).toBe('QUEUE_NOT_FOUND');
    expect((await t.http.get('/api/v1/queues/orders/messages/not-a-uuid').set(auth(writer))).body.code).toBe('MESSAGE_NOT_FOUND');
    expect((await t.http.get('/api/v1/queues/orders/messages/00000000-0000-4000-8000-000000000000').set(auth(writer))).status).toBe(404);
  });

  it('stores messages of 150 KB and more intact', async () => {
    const big = { sku: 'big', blob: 'x'.repeat(160 * 1024) };
    const response = await push('orders', big);
    expect(response.status).toBe(201);
    const read = await t.http.get(`/api/v1/queues/orders/messages/${response.body.id}`).set(auth(writer));
    expect(read.body.request.blob).toHaveLength(160 * 1024);
  });

  it('refuses a body larger than MESSAGE_MAX_BYTES with 413', async () => {
    const response = await push('orders', { sku: 'huge', blob: 'x'.repeat(201 * 1024) });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses malformed JSON with 400 and non-JSON with 415', async () => {
    const malformed = await t.http.post('/api/v1/queues/orders/messages').set(auth(writer)).set('Content-Type', 'application/json').send('{"sku": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('MALFORMED_JSON');
    const text = await t.http.post('/api/v1/queues/orders/messages').set(auth(writer)).set('Content-Type', 'text/plain').send('sku=A1');
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('applies the writer rules of the queue', async () => {
    expect((await push('orders', { sku: 'a' }, await t.token('nobody', []))).status).toBe(403);
    expect((await push('orders', { sku: 'a' }, await t.token('r', ['queue_reader']))).status).toBe(403);
    expect((await t.http.post('/api/v1/queues/orders/messages').send({ sku: 'a' })).status).toBe(401);
  });
});
