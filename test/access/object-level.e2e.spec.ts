import { startTestApp, type TestApp } from '../support/app';

/** A grant on one queue or topic gives nothing on another (no broken object-level authorization). */
describe('grants are scoped to their queue or topic (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let grace: string;
  let ownMessage: string;
  let otherMessage: string;
  let otherReceipt: string;

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({ env: { DISPATCHER_ENABLED: 'false' } });
    admin = await t.token('admin', ['system_admin']);
    grace = await t.token('grace', ['mine_reader', 'mine_writer', 'minetopic_writer']);
    for (const name of ['mine', 'theirs']) {
      expect((await t.http.post('/api/v1/queues').set(auth(admin)).send({ name })).status).toBe(201);
    }
    for (const [name, queue] of [
      ['minetopic', 'mine'],
      ['theirtopic', 'theirs'],
    ]) {
      expect(
        (
          await t.http
            .post('/api/v1/topics')
            .set(auth(admin))
            .send({ name, queues: [queue] })
        ).status,
      ).toBe(201);
    }
    for (const path of [
      '/api/v1/queues/mine/permissions/gus/send_to_queue',
      '/api/v1/queues/mine/permissions/gus/receive',
      '/api/v1/topics/minetopic/permissions/gus/send_to_topic',
    ]) {
      expect((await t.http.put(path).set(auth(admin))).status).toBe(204);
    }
    ownMessage = (await t.http.post('/api/v1/queues/mine/messages').set(auth(admin)).send({ own: true })).body.id;
    otherMessage = (await t.http.post('/api/v1/queues/theirs/messages').set(auth(admin)).send({ secret: true })).body.id;
    const received = await t.http.post('/api/v1/queues/theirs/messages/receive').set(auth(admin)).send({});
    otherReceipt = received.body.messages[0].receipt;
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['a grant', 'gus'],
    ['a queue-named role', 'grace'],
  ])('%s on queue "mine" gives nothing on queue "theirs"', async (_label, who) => {
    const token = who === 'gus' ? await t.token('gus') : grace;
    const ok = [
      await t.http.post('/api/v1/queues/mine/messages').set(auth(token)).send({ x: 1 }),
      await t.http.get(`/api/v1/queues/mine/messages/${ownMessage}`).set(auth(token)),
      await t.http.get('/api/v1/queues/mine/messages').set(auth(token)),
      await t.http.post('/api/v1/topics/minetopic/messages').set(auth(token)).send({ x: 1 }),
    ];
    expect(ok.map((r) => r.status)).toEqual([201, 200, 200, 201]);

    const refused = [
      await t.http.post('/api/v1/queues/theirs/messages').set(auth(token)).send({ x: 1 }),
      await t.http.get(`/api/v1/queues/theirs/messages/${otherMessage}`).set(auth(token)),
      await t.http.delete(`/api/v1/queues/theirs/messages/${otherMessage}`).set(auth(token)),
      await t.http.get('/api/v1/queues/theirs/messages').set(auth(token)),
      await t.http.post('/api/v1/queues/theirs/messages/receive').set(auth(token)).send({}),
      await t.http.post(`/api/v1/queues/theirs/messages/${otherMessage}/ack`).set(auth(token)).send({ receipt: otherReceipt, outcome: 'complete' }),
      await t.http.post(`/api/v1/queues/theirs/messages/${otherMessage}/lease`).set(auth(token)).send({ receipt: otherReceipt, visibilityTimeoutSeconds: 600 }),
      await t.http.post(`/api/v1/queues/theirs/messages/${otherMessage}/requeue`).set(auth(token)),
      await t.http.post('/api/v1/topics/theirtopic/messages').set(auth(token)).send({ x: 1 }),
      await t.http.get('/api/v1/queues/theirs/permissions').set(auth(token)),
      await t.http.put('/api/v1/queues/theirs/permissions/gus/receive').set(auth(token)),
    ];
    expect(refused.map((r) => r.status)).toEqual(refused.map(() => 403));
  });

  it("acknowledging another queue's message through the granted queue finds nothing and changes nothing", async () => {
    const gus = await t.token('gus');
    const ack = await t.http
      .post(`/api/v1/queues/mine/messages/${otherMessage}/ack`)
      .set(auth(gus))
      .send({ receipt: otherReceipt, outcome: 'complete', result: 'stolen' });
    expect(ack.status).toBe(404);
    const lease = await t.http
      .post(`/api/v1/queues/mine/messages/${otherMessage}/lease`)
      .set(auth(gus))
      .send({ receipt: otherReceipt, visibilityTimeoutSeconds: 600 });
    expect(lease.status).toBe(404);
    expect((await t.http.get(`/api/v1/queues/mine/messages/${otherMessage}`).set(auth(gus))).status).toBe(404);
    const original = await t.http.get(`/api/v1/queues/theirs/messages/${otherMessage}`).set(auth(admin));
    expect(original.body).toMatchObject({ status: 'INPROGRESS', result: null });
  });

  it('send_to_another_queue needs a right on the target queue too', async () => {
    const gus = await t.token('gus');
    const [m] = (await t.http.post('/api/v1/queues/mine/messages/receive').set(auth(gus)).send({ maxMessages: 1 })).body.messages;
    const moved = await t.http
      .post(`/api/v1/queues/mine/messages/${m.id}/ack`)
      .set(auth(gus))
      .send({ receipt: m.receipt, outcome: 'send_to_another_queue', queue: 'theirs' });
    expect(moved.status).toBe(403);
    expect((await t.http.get(`/api/v1/queues/mine/messages/${m.id}`).set(auth(gus))).body.status).toBe('INPROGRESS');
    const stats = await t.http.get('/api/v1/queues/theirs/stats').set(auth(admin));
    expect(stats.body.counts.PENDING + stats.body.counts.INPROGRESS).toBe(1);
  });
});
