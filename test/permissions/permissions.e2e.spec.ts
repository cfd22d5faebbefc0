import { startTestApp, type TestApp } from '../support/app';
import { ManualClock } from '../support/time';

describe('permission admin API (e2e)', () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 3, 4, 5, 6));
  let t: TestApp;
  let admin: string;
  let queueAdmin: string;
  let auditor: string;
  let bob: string;

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { DISPATCHER_ENABLED: 'false' }, files: { 'topics/filetopic.topic.json': { queues: [] } } });
    admin = await t.token('admin', ['system_admin']);
    queueAdmin = await t.token('quinn', ['queue_admin']);
    auditor = await t.token('audrey', ['system_reader']);
    bob = await t.token('bob');
    for (const name of ['orders', 'invoices']) {
      expect((await t.http.post('/api/v1/queues').set(auth(admin)).send({ name })).status).toBe(201);
    }
    expect(
      (
        await t.http
          .post('/api/v1/topics')
          .set(auth(admin))
          .send({ name: 'events', queues: ['orders'] })
      ).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('grants and revokes on a queue, idempotently, with audit fields', async () => {
    expect((await t.http.put('/api/v1/queues/orders/permissions/bob/receive').set(auth(queueAdmin))).status).toBe(204);
    clock.advance(60_000);
    expect((await t.http.put('/api/v1/queues/orders/permissions/bob/receive').set(auth(admin))).status).toBe(204);
    expect((await t.http.put('/api/v1/queues/orders/permissions/bob/send_to_queue').set(auth(admin))).status).toBe(204);

    const list = await t.http.get('/api/v1/queues/orders/permissions').set(auth(auditor));
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      {
        resource: { type: 'queue', name: 'orders' },
        subject: 'bob',
        action: 'receive',
        grantedBy: 'quinn',
        grantedAt: new Date(Date.UTC(2026, 2, 3, 4, 5, 6)).toISOString(),
      },
      {
        resource: { type: 'queue', name: 'orders' },
        subject: 'bob',
        action: 'send_to_queue',
        grantedBy: 'admin',
        grantedAt: new Date(Date.UTC(2026, 2, 3, 4, 6, 6)).toISOString(),
      },
    ]);

    expect((await t.http.delete('/api/v1/queues/orders/permissions/bob/send_to_queue').set(auth(admin))).status).toBe(204);
    expect((await t.http.delete('/api/v1/queues/orders/permissions/bob/send_to_queue').set(auth(admin))).status).toBe(204);
    expect((await t.http.delete('/api/v1/queues/orders/permissions/nobody/receive').set(auth(admin))).status).toBe(204);
    const after = await t.http.get('/api/v1/queues/orders/permissions').set(auth(admin));
    expect(after.body.items.map((g: { action: string }) => g.action)).toEqual(['receive']);
    await t.http.delete('/api/v1/queues/orders/permissions/bob/receive').set(auth(admin));
  });

  it('a grant gives the right, and revoking takes it away', async () => {
    const push = () => t.http.post('/api/v1/queues/invoices/messages').set(auth(bob)).send({ a: 1 });
    const receive = () => t.http.post('/api/v1/queues/invoices/messages/receive').set(auth(bob)).send({});
    expect((await push()).status).toBe(403);
    expect((await receive()).status).toBe(403);
    await t.http.put('/api/v1/queues/invoices/permissions/bob/send_to_queue').set(auth(admin));
    expect((await push()).status).toBe(201);
    expect((await receive()).status).toBe(403);
    await t.http.put('/api/v1/queues/invoices/permissions/bob/receive').set(auth(admin));
    expect((await receive()).body.messages).toHaveLength(1);
    await t.http.delete('/api/v1/queues/invoices/permissions/bob/send_to_queue').set(auth(admin));
    await t.http.delete('/api/v1/queues/invoices/permissions/bob/receive').set(auth(admin));
    expect((await push()).status).toBe(403);
    expect((await receive()).status).toBe(403);
  });

  it('grants send_to_topic on topics and lists every grant of a subject', async () => {
    expect((await t.http.put('/api/v1/topics/events/permissions/carol@example.com/send_to_topic').set(auth(admin))).status).toBe(204);
    expect((await t.http.put('/api/v1/topics/filetopic/permissions/carol@example.com/send_to_topic').set(auth(admin))).status).toBe(204);
    expect((await t.http.put('/api/v1/queues/orders/permissions/carol@example.com/receive').set(auth(admin))).status).toBe(204);
    const topicGrants = await t.http.get('/api/v1/topics/events/permissions').set(auth(admin));
    expect(topicGrants.body.items).toEqual([
      expect.objectContaining({ resource: { type: 'topic', name: 'events' }, subject: 'carol@example.com', action: 'send_to_topic', grantedBy: 'admin' }),
    ]);
    const carol = await t.http.get('/api/v1/permissions').query({ subject: 'carol@example.com' }).set(auth(auditor));
    expect(carol.status).toBe(200);
    expect(
      carol.body.items.map((g: { resource: { type: string; name: string }; action: string }) => `${g.resource.type}:${g.resource.name}:${g.action}`),
    ).toEqual(['queue:orders:receive', 'topic:events:send_to_topic', 'topic:filetopic:send_to_topic']);
    expect((await t.http.get('/api/v1/permissions').query({ subject: 'nobody' }).set(auth(admin))).body.items).toEqual([]);
  });

  it('refuses unknown actions and malformed subjects with 400 INVALID_PERMISSION', async () => {
    for (const path of [
      '/api/v1/queues/orders/permissions/bob/send_to_topic',
      '/api/v1/queues/orders/permissions/bob/admin',
      '/api/v1/topics/events/permissions/bob/receive',
      '/api/v1/queues/orders/permissions/-bob/receive',
      '/api/v1/queues/orders/permissions/bob%20smith/receive',
      `/api/v1/queues/orders/permissions/${'x'.repeat(256)}/receive`,
    ]) {
      for (const method of ['put', 'delete'] as const) {
        const res = await t.http[method](path).set(auth(admin));
        expect({ path, method, status: res.status, code: res.body.code }).toEqual({ path, method, status: 400, code: 'INVALID_PERMISSION' });
      }
    }
    expect((await t.http.get('/api/v1/permissions').query({ subject: 'a b' }).set(auth(admin))).body.code).toBe('INVALID_PERMISSION');
    expect((await t.http.get('/api/v1/permissions').set(auth(admin))).status).toBe(400);
  });

  it('answers 404 for unknown queues and topics', async () => {
    expect((await t.http.put('/api/v1/queues/ghost/permissions/bob/receive').set(auth(admin))).body.code).toBe('QUEUE_NOT_FOUND');
    expect((await t.http.get('/api/v1/queues/ghost/permissions').set(auth(admin))).status).toBe(404);
    expect((await t.http.put('/api/v1/topics/ghost/permissions/bob/send_to_topic').set(auth(admin))).body.code).toBe('TOPIC_NOT_FOUND');
    expect((await t.http.delete('/api/v1/topics/ghost/permissions/bob/send_to_topic').set(auth(admin))).status).toBe(404);
    expect((await t.http.get('/api/v1/topics/ghost/permissions').set(auth(admin))).status).toBe(404);
  });

  it('only system_admin and queue_admin manage grants; readers may list them', async () => {
    const reader = await t.token('rita', ['queue_reader']);
    const writer = await t.token('will', ['system_writer', 'orders_writer']);
    for (const token of [reader, writer, auditor, bob]) {
      expect((await t.http.put('/api/v1/queues/orders/permissions/mallory/receive').set(auth(token))).status).toBe(403);
      expect((await t.http.delete('/api/v1/topics/events/permissions/carol@example.com/send_to_topic').set(auth(token))).status).toBe(403);
    }
    expect((await t.http.get('/api/v1/queues/orders/permissions').set(auth(reader))).status).toBe(200);
    expect((await t.http.get('/api/v1/queues/orders/permissions').set(auth(writer))).status).toBe(403);
    expect((await t.http.get('/api/v1/permissions').query({ subject: 'bob' }).set(auth(bob))).status).toBe(403);
    expect((await t.http.get('/api/v1/queues/orders/permissions')).status).toBe(401);
  });

  it('deleting a queue or topic removes its grants; re-creating it starts with none', async () => {
    await t.http.post('/api/v1/queues').set(auth(admin)).send({ name: 'temp' });
    await t.http.post('/api/v1/topics').set(auth(admin)).send({ name: 'temptopic' });
    await t.http.put('/api/v1/queues/temp/permissions/dave/receive').set(auth(admin));
    await t.http.put('/api/v1/topics/temptopic/permissions/dave/send_to_topic').set(auth(admin));
    expect((await t.http.get('/api/v1/permissions?subject=dave').set(auth(admin))).body.items).toHaveLength(2);
    expect((await t.http.delete('/api/v1/queues/temp').set(auth(admin))).status).toBe(204);
    expect((await t.http.delete('/api/v1/topics/temptopic').set(auth(admin))).status).toBe(204);
    expect((await t.http.get('/api/v1/permissions?subject=dave').set(auth(admin))).body.items).toEqual([]);
    await t.http.post('/api/v1/queues').set(auth(admin)).send({ name: 'temp' });
    expect((await t.http.get('/api/v1/queues/temp/permissions').set(auth(admin))).body.items).toEqual([]);
  });
});
