import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestApp, writeConfigFiles, type TestApp } from '../support/app';
import { waitFor } from '../support/time';

describe('queues admin API (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let reader: string;
  let writer: string;

  beforeAll(async () => {
    t = await startTestApp({
      files: {
        'queues/managed.queue.json': { incoming: { schema: { type: 'object' } } },
      },
    });
    admin = await t.token('root', ['queue_admin']);
    reader = await t.token('ro', ['system_reader']);
    writer = await t.token('w', ['system_writer']);
  });
  afterAll(() => t.close());

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('creates a queue with every default applied and reads it back', async () => {
    const created = await t.http
      .post('/api/v1/queues')
      .set(auth(admin))
      .send({ name: 'orders', incoming: { schema: { type: 'object', required: ['sku'] } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'orders',
      storageEngine: 'filesystem',
      source: 'api',
      hasHandler: false,
      roles: { needsRole: true, replace: false, roles: [] },
      delivery: { maxAttempts: 1, visibilityTimeoutSeconds: 30 },
      retention: { processedMinutes: 180, allHours: 72 },
    });
    const read = await t.http.get('/api/v1/queues/orders').set(auth(reader));
    expect(read.status).toBe(200);
    expect(read.body.incoming.schema).toEqual({ type: 'object', required: ['sku'] });
  });

  it('lists queues with cursor paging', async () => {
    for (const name of ['page-a', 'page-b', 'page-c', 'Page-Z']) {
      expect((await t.http.post('/api/v1/queues').set(auth(admin)).send({ name })).status).toBe(201);
    }
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { name: string }[]; nextCursor: string | null }; status: number } = await t.http
        .get('/api/v1/queues')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(auth(reader));
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      names.push(...page.body.items.map((q) => q.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['managed', 'orders', 'page-a', 'page-b', 'page-c', 'Page-Z']));
    expect(new Set(names).size).toBe(names.length);
  });

  it.each([
    [{ name: 'bad:name' }, 'INVALID_QUEUE_DEFINITION'],
    [{ name: 'q1', storageEngine: 'redis' }, 'INVALID_QUEUE_DEFINITION'],
    [{ name: 'q2', roles: { needsRole: 'yes' } }, 'INVALID_QUEUE_DEFINITION'],
    [{ name: 'q3', incoming: { schema: { type: 'wrong' } } }, 'INVALID_QUEUE_DEFINITION'],
    [{ name: 'q4', incoming: { schema: { $ref: 'http://127.0.0.2/s.json' } } }, 'INVALID_QUEUE_DEFINITION'],
    [{ name: 'q5', delivery: { concurrency: 0 } }, 'INVALID_QUEUE_DEFINITION'],
  ])('refuses %j with 400 %s', async (body, code) => {
    const response = await t.http.post('/api/v1/queues').set(auth(admin)).send(body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code });
    expect(typeof response.body.message).toBe('string');
  });

  it('refuses a name that is taken with 409 NAME_TAKEN', async () => {
    const response = await t.http.post('/api/v1/queues').set(auth(admin)).send({ name: 'orders' });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('NAME_TAKEN');
    const managed = await t.http.post('/api/v1/queues').set(auth(admin)).send({ name: 'managed' });
    expect(managed.body.code).toBe('NAME_TAKEN');
  });

  it('replaces a queue definition', async () => {
    const response = await t.http
      .put('/api/v1/queues/orders')
      .set(auth(admin))
      .send({ roles: { roles: ['order_clerk'] }, delivery: { maxAttempts: 3 } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ name: 'orders', roles: { roles: ['order_clerk'] }, delivery: { maxAttempts: 3 } });
    expect(response.body.incoming.schema).toEqual({});
    const mismatch = await t.http.put('/api/v1/queues/orders').set(auth(admin)).send({ name: 'other' });
    expect(mismatch.status).toBe(400);
    const missing = await t.http.put('/api/v1/queues/nope').set(auth(admin)).send({});
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('QUEUE_NOT_FOUND');
  });

  it('answers 409 MANAGED_BY_CONFIG for file-defined queues', async () => {
    const put = await t.http.put('/api/v1/queues/managed').set(auth(admin)).send({});
    expect(put.status).toBe(409);
    expect(put.body.code).toBe('MANAGED_BY_CONFIG');
    const del = await t.http.delete('/api/v1/queues/managed').set(auth(admin));
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('MANAGED_BY_CONFIG');
    const read = await t.http.get('/api/v1/queues/managed').set(auth(admin));
    expect(read.body.source).toBe('file');
  });

  it('reports stats by status with the age of the oldest pending message', async () => {
    const push = await t.http.post('/api/v1/queues/page-a/messages').set(auth(writer)).send({ n: 1 });
    expect(push.status).toBe(201);
    const stats = await t.http.get('/api/v1/queues/page-a/stats').set(auth(reader));
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({
      queue: 'page-a',
      counts: { PENDING: 1, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 },
      oldestPendingAgeSeconds: expect.any(Number),
      storage: { available: true, since: expect.any(String) },
    });
    const empty = await t.http.get('/api/v1/queues/page-b/stats').set(auth(reader));
    expect(empty.body).toMatchObject({ counts: { PENDING: 0 }, oldestPendingAgeSeconds: null });
  });

  it('deletes a queue with its messages; a new queue of the same name starts empty', async () => {
    expect((await t.http.post('/api/v1/queues/page-c/messages').set(auth(writer)).send({ n: 1 })).status).toBe(201);
    expect((await t.http.delete('/api/v1/queues/page-c').set(auth(admin))).status).toBe(204);
    expect((await t.http.get('/api/v1/queues/page-c').set(auth(admin))).status).toBe(404);
    expect((await t.http.post('/api/v1/queues/page-c/messages').set(auth(writer)).send({})).status).toBe(404);
    expect((await t.http.post('/api/v1/queues').set(auth(admin)).send({ name: 'page-c' })).status).toBe(201);
    const stats = await t.http.get('/api/v1/queues/page-c/stats').set(auth(admin));
    expect(stats.body.counts).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 });
  });

  it('enforces the admin roles', async () => {
    expect((await t.http.get('/api/v1/queues')).status).toBe(401);
    expect((await t.http.get('/api/v1/queues').set(auth(writer))).status).toBe(403);
    expect((await t.http.post('/api/v1/queues').set(auth(reader)).send({ name: 'x' })).status).toBe(403);
    expect((await t.http.put('/api/v1/queues/orders').set(auth(reader)).send({})).status).toBe(403);
    expect((await t.http.delete('/api/v1/queues/orders').set(auth(writer))).status).toBe(403);
    expect((await t.http.get('/api/v1/queues/orders/stats').set(auth(writer))).status).toBe(403);
  });

  it('reloads queue files when they change', async () => {
    writeConfigFiles(t.configDir, { 'queues/late.queue.json': { incoming: { schema: { type: 'object', required: ['a'] } } } });
    await waitFor(async () => (await t.http.get('/api/v1/queues/late').set(auth(admin))).status === 200);
    const refused = await t.http.post('/api/v1/queues/late/messages').set(auth(writer)).send({ b: 1 });
    expect(refused.status).toBe(422);

    const file = path.join(t.configDir, 'queues/late.queue.json');
    const future = new Date(Date.now() + 5000);
    fs.writeFileSync(file, JSON.stringify({ incoming: { schema: { type: 'object', required: ['b'] } } }));
    fs.utimesSync(file, future, future);
    await waitFor(async () => (await t.http.post('/api/v1/queues/late/messages').set(auth(writer)).send({ b: 1 })).status === 201);

    fs.rmSync(file);
    await waitFor(async () => (await t.http.get('/api/v1/queues/late').set(auth(admin))).status === 404);
  });

  it('skips an invalid queue file and keeps serving the others', async () => {
    writeConfigFiles(t.configDir, { 'queues/broken.queue.json': '{ not json', 'queues/fine.queue.json': {} });
    await waitFor(async () => (await t.http.get('/api/v1/queues/fine').set(auth(admin))).status === 200);
    expect((await t.http.get('/api/v1/queues/broken').set(auth(admin))).status).toBe(404);
    expect((await t.http.get('/api/v1/queues/managed').set(auth(admin))).status).toBe(200);
  });
});
