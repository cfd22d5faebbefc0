import { startTestApp, type TestApp } from '../support/app';
import { ManualClock, waitFor } from '../support/time';
import { MaintenanceService } from '@app/messages/maintenance.service';
import { ConsumersService } from '@app/messages/consumers/consumers.service';

describe('pull consumers: receive, ack, lease (e2e)', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let admin: string;
  let reader: string;
  let counter = 0;

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { DISPATCHER_ENABLED: 'false' },
      files: {
        'queues/handled.queue.json': { name: 'handled' },
        'queues/handled.queue.js': 'module.exports = async function () { return 1; };',
      },
    });
    admin = await t.token('admin', ['system_admin']);
    reader = await t.token('rita', ['queue_reader']);
  });
  afterAll(async () => {
    await t?.close();
  });

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function createQueue(extra: Record<string, unknown> = {}): Promise<string> {
    const name = `q${++counter}`;
    const res = await t.http
      .post('/api/v1/queues')
      .set(auth(admin))
      .send({ name, ...extra });
    expect(res.status).toBe(201);
    return name;
  }

  async function push(queue: string, body: unknown): Promise<string> {
    const res = await t.http
      .post(`/api/v1/queues/${queue}/messages`)
      .set(auth(admin))
      .send(body as object);
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function receive(queue: string, body: Record<string, unknown> = {}, token = reader) {
    const res = await t.http.post(`/api/v1/queues/${queue}/messages/receive`).set(auth(token)).send(body);
    expect(res.status).toBe(200);
    return res.body.messages as { id: string; request: { n: number }; receipt: string; attempts: number; status: string; leaseExpiresAt: string }[];
  }

  function ack(queue: string, id: string, body: Record<string, unknown>, token = reader) {
    return t.http.post(`/api/v1/queues/${queue}/messages/${id}/ack`).set(auth(token)).send(body);
  }

  async function get(queue: string, id: string) {
    const res = await t.http.get(`/api/v1/queues/${queue}/messages/${id}`).set(auth(admin));
    return res;
  }

  it('leases messages in send order, each with a receipt and its attempt count', async () => {
    const q = await createQueue();
    const ids = [];
    for (let n = 0; n < 7; n++) ids.push(await push(q, { n }));
    const first = await receive(q);
    expect(first.map((m) => m.id)).toEqual(ids.slice(0, 5));
    for (const m of first) {
      expect(m.status).toBe('INPROGRESS');
      expect(m.attempts).toBe(1);
      expect(typeof m.receipt).toBe('string');
      expect(new Date(m.leaseExpiresAt).getTime()).toBe(clock.now() + 30_000);
    }
    expect(new Set(first.map((m) => m.receipt)).size).toBe(5);
    const rest = await receive(q, { maxMessages: 50 });
    expect(rest.map((m) => m.request.n)).toEqual([5, 6]);
    expect(await receive(q)).toEqual([]);
  });

  it('validates the receive, ack and lease bodies', async () => {
    const q = await createQueue();
    const noBody = await t.http.post(`/api/v1/queues/${q}/messages/receive`).set(auth(reader));
    expect(noBody.status).toBe(200);
    expect(noBody.body).toEqual({ messages: [] });
    for (const body of [
      { maxMessages: 0 },
      { maxMessages: 51 },
      { waitSeconds: 21 },
      { visibilityTimeoutSeconds: 0 },
      { visibilityTimeoutSeconds: 43201 },
      { other: 1 },
    ]) {
      const res = await t.http.post(`/api/v1/queues/${q}/messages/receive`).set(auth(reader)).send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    const id = await push(q, { n: 1 });
    const [m] = await receive(q);
    expect((await ack(q, id, { receipt: m.receipt, outcome: 'processed' })).body.code).toBe('VALIDATION_FAILED');
    expect((await ack(q, id, { outcome: 'complete' })).status).toBe(400);
    expect((await ack(q, id, { receipt: m.receipt, outcome: 'send_to_another_queue' })).status).toBe(400);
    const lease = await t.http.post(`/api/v1/queues/${q}/messages/${id}/lease`).set(auth(reader)).send({ receipt: m.receipt, visibilityTimeoutSeconds: 43201 });
    expect(lease.status).toBe(400);
    expect((await get(q, id)).body.status).toBe('INPROGRESS');
  });

  it('uses the requested visibility timeout, else the queue default', async () => {
    const q = await createQueue({ delivery: { visibilityTimeoutSeconds: 120 } });
    await push(q, { n: 1 });
    await push(q, { n: 2 });
    const [a] = await receive(q, { maxMessages: 1 });
    expect(new Date(a.leaseExpiresAt).getTime()).toBe(clock.now() + 120_000);
    const [b] = await receive(q, { maxMessages: 1, visibilityTimeoutSeconds: 7 });
    expect(new Date(b.leaseExpiresAt).getTime()).toBe(clock.now() + 7_000);
  });

  it('complete stores the result; a second ack with the same receipt is RECEIPT_STALE', async () => {
    const q = await createQueue();
    const id = await push(q, { n: 1 });
    const [m] = await receive(q);
    const done = await ack(q, id, { receipt: m.receipt, outcome: 'complete', result: { ok: true } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id, status: 'COMPLETE', result: { ok: true }, attempts: 1 });
    const again = await ack(q, id, { receipt: m.receipt, outcome: 'error' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('RECEIPT_STALE');
    expect((await get(q, id)).body).toMatchObject({ status: 'COMPLETE', result: { ok: true } });
  });

  it('redelivers after the lease expires; the old receipt is stale and changes nothing', async () => {
    const q = await createQueue({ delivery: { maxAttempts: 3, backoffSeconds: 0 } });
    const id = await push(q, { n: 1 });
    const [first] = await receive(q, { visibilityTimeoutSeconds: 10 });
    expect(await receive(q)).toEqual([]);
    clock.advance(10_001);
    const [second] = await receive(q, { visibilityTimeoutSeconds: 10 });
    expect(second.id).toBe(id);
    expect(second.attempts).toBe(2);
    expect(second.receipt).not.toBe(first.receipt);
    const stale = await ack(q, id, { receipt: first.receipt, outcome: 'complete', result: 'late' });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('RECEIPT_STALE');
    const staleLease = await t.http
      .post(`/api/v1/queues/${q}/messages/${id}/lease`)
      .set(auth(reader))
      .send({ receipt: first.receipt, visibilityTimeoutSeconds: 60 });
    expect(staleLease.status).toBe(409);
    expect((await get(q, id)).body).toMatchObject({ status: 'INPROGRESS', attempts: 2, result: null });
    expect((await ack(q, id, { receipt: second.receipt, outcome: 'complete' })).body.status).toBe('COMPLETE');
  });

  it('an ack after the lease ran out (before any sweep) is RECEIPT_STALE and counts the failed attempt', async () => {
    const q = await createQueue({ delivery: { maxAttempts: 2, backoffSeconds: 0 } });
    const id = await push(q, { n: 1 });
    const [m] = await receive(q, { visibilityTimeoutSeconds: 5 });
    clock.advance(5_001);
    const res = await ack(q, id, { receipt: m.receipt, outcome: 'complete' });
    expect(res.body.code).toBe('RECEIPT_STALE');
    expect((await get(q, id)).body).toMatchObject({ status: 'PENDING', attempts: 1 });
  });

  it('past maxReceives an expired lease makes the message ERROR with a dead-letter copy', async () => {
    const dlq = await createQueue();
    const q = await createQueue({ delivery: { maxReceives: 2, deadLetterQueue: dlq } });
    const id = await push(q, { n: 42 });
    const maintenance = t.app.get(MaintenanceService);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const [m] = await receive(q, { visibilityTimeoutSeconds: 1 });
      expect(m).toMatchObject({ id, attempts: attempt });
      clock.advance(1_001);
      await maintenance.expireLeases();
    }
    expect((await get(q, id)).body).toMatchObject({ status: 'ERROR', attempts: 2, error: { name: 'MaxReceivesExceeded' } });
    expect(await receive(q)).toEqual([]);
    const [copy] = await receive(dlq);
    expect(copy.request).toEqual({ n: 42 });
    expect(copy).toMatchObject({ deadLetter: { queue: q, id } });
  });

  it('the scheduled sweep expires leases without anyone calling it', async () => {
    const q = await createQueue();
    const id = await push(q, { n: 1 });
    await receive(q, { visibilityTimeoutSeconds: 1 });
    clock.advance(1_001);
    const settled = await waitFor(async () => {
      const message = (await get(q, id)).body;
      return message.status === 'PENDING' ? message : null;
    });
    expect(settled).toMatchObject({ attempts: 1, error: { name: 'LeaseExpired' } });
  });

  it('with the defaults (maxAttempts 1, maxReceives 0) an expired lease redelivers, however often, at its place', async () => {
    const q = await createQueue();
    const id = await push(q, { n: 1 });
    const later = await push(q, { n: 2 });
    const maintenance = t.app.get(MaintenanceService);
    for (let receiveNo = 1; receiveNo <= 5; receiveNo++) {
      const [m] = await receive(q, { maxMessages: 1, visibilityTimeoutSeconds: 1 });
      expect(m).toMatchObject({ id, attempts: receiveNo });
      clock.advance(1_001);
      await maintenance.expireLeases();
      expect((await get(q, id)).body).toMatchObject({ status: 'PENDING', attempts: receiveNo, error: { name: 'LeaseExpired' } });
    }
    expect((await get(q, later)).body).toMatchObject({ status: 'PENDING', attempts: 0 });
  });

  it('a message received more often than a lowered maxReceives is not handed out again: ERROR with the dead-letter copy', async () => {
    const dlq = await createQueue();
    const q = await createQueue({ delivery: { deadLetterQueue: dlq } });
    const id = await push(q, { n: 7 });
    const maintenance = t.app.get(MaintenanceService);
    for (let receiveNo = 1; receiveNo <= 2; receiveNo++) {
      expect(await receive(q, { visibilityTimeoutSeconds: 1 })).toMatchObject([{ id, attempts: receiveNo }]);
      clock.advance(1_001);
      await maintenance.expireLeases();
    }
    const changed = await t.http
      .put(`/api/v1/queues/${q}`)
      .set(auth(admin))
      .send({ delivery: { deadLetterQueue: dlq, maxReceives: 1 } });
    expect(changed.status).toBe(200);
    const other = await push(q, { n: 8 });
    expect((await receive(q)).map((m) => m.id)).toEqual([other]);
    expect((await get(q, id)).body).toMatchObject({ status: 'ERROR', error: { name: 'MaxReceivesExceeded' } });
    expect(await receive(dlq)).toMatchObject([{ request: { n: 7 }, deadLetter: { queue: q, id } }]);
  });

  it('maxAttempts does not limit receives: it is for handler failures only', async () => {
    const q = await createQueue({ delivery: { maxAttempts: 1, maxReceives: 3 } });
    const id = await push(q, { n: 1 });
    const maintenance = t.app.get(MaintenanceService);
    for (let receiveNo = 1; receiveNo <= 3; receiveNo++) {
      const [m] = await receive(q, { visibilityTimeoutSeconds: 1 });
      expect(m).toMatchObject({ id, attempts: receiveNo });
      clock.advance(1_001);
      await maintenance.expireLeases();
    }
    expect((await get(q, id)).body).toMatchObject({ status: 'ERROR', attempts: 3 });
  });

  it('error ends the message as ERROR at once, with the dead-letter copy', async () => {
    const dlq = await createQueue();
    const q = await createQueue({ delivery: { maxAttempts: 5, deadLetterQueue: dlq } });
    const id = await push(q, { n: 1 });
    const [m] = await receive(q);
    const res = await ack(q, id, { receipt: m.receipt, outcome: 'error', error: { name: 'Bad', message: 'no stock' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ERROR', error: { name: 'Bad', message: 'no stock' } });
    const [copy] = await receive(dlq);
    expect(copy).toMatchObject({ request: { n: 1 }, deadLetter: { queue: q, id } });
    const plain = await push(q, { n: 2 });
    const [p] = await receive(q);
    expect((await ack(q, plain, { receipt: p.receipt, outcome: 'error', error: 'just text' })).body.error).toMatchObject({
      name: 'ConsumerError',
      message: 'just text',
    });
  });

  it('return_to_queue puts it back at its place (attempt not counted), optionally after a delay', async () => {
    const q = await createQueue();
    const a = await push(q, { n: 1 });
    const b = await push(q, { n: 2 });
    const [first] = await receive(q, { maxMessages: 1 });
    expect(first.id).toBe(a);
    const back = await ack(q, a, { receipt: first.receipt, outcome: 'return_to_queue' });
    expect(back.body).toMatchObject({ status: 'PENDING', attempts: 0 });
    const [again] = await receive(q, { maxMessages: 1 });
    expect(again).toMatchObject({ id: a, attempts: 1 });
    expect((await ack(q, a, { receipt: again.receipt, outcome: 'return_to_queue', delaySeconds: 30 })).status).toBe(200);
    const [next] = await receive(q, { maxMessages: 1 });
    expect(next.id).toBe(b);
    expect(await receive(q)).toEqual([]);
    clock.advance(30_000);
    const [later] = await receive(q);
    expect(later.id).toBe(a);
  });

  it('return_to_end_of_queue puts it behind every other pending message', async () => {
    const q = await createQueue();
    const ids = [await push(q, { n: 1 }), await push(q, { n: 2 }), await push(q, { n: 3 })];
    const [first] = await receive(q, { maxMessages: 1 });
    expect((await ack(q, first.id, { receipt: first.receipt, outcome: 'return_to_end_of_queue' })).body.status).toBe('PENDING');
    const order = await receive(q, { maxMessages: 10 });
    expect(order.map((m) => m.id)).toEqual([ids[1], ids[2], ids[0]]);
  });

  it('send_to_another_queue: needs a right on the target, applies its schema, completes the original', async () => {
    const target = await createQueue({ incoming: { schema: { type: 'object', required: ['sku'] } } });
    const q = await createQueue();
    const bad = await push(q, { n: 1 });
    const good = await push(q, { sku: 'A1' });
    const [m1, m2] = await receive(q, { maxMessages: 2 });

    const forbidden = await ack(q, good, { receipt: m2.receipt, outcome: 'send_to_another_queue', queue: target });
    expect(forbidden.status).toBe(403);
    const mover = await t.token('mover', ['queue_reader', `${target}_writer`]);
    const invalid = await ack(q, bad, { receipt: m1.receipt, outcome: 'send_to_another_queue', queue: target }, mover);
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({ code: 'MESSAGE_SCHEMA_INVALID', queue: target });
    expect((await get(q, bad)).body.status).toBe('INPROGRESS');
    const missing = await ack(q, good, { receipt: m2.receipt, outcome: 'send_to_another_queue', queue: 'nope' }, mover);
    expect(missing.body.code).toBe('QUEUE_NOT_FOUND');

    const moved = await ack(q, good, { receipt: m2.receipt, outcome: 'send_to_another_queue', queue: target }, mover);
    expect(moved.status).toBe(200);
    expect(moved.body.status).toBe('COMPLETE');
    const movedTo = moved.body.result.movedTo;
    expect(movedTo.queue).toBe(target);
    const copy = await get(target, movedTo.id);
    expect(copy.body).toMatchObject({ status: 'PENDING', request: { sku: 'A1' }, sentBy: 'mover' });
    expect((await ack(q, good, { receipt: m2.receipt, outcome: 'send_to_another_queue', queue: target }, mover)).body.code).toBe('RECEIPT_STALE');
  });

  it('lease extends the visibility from now; a stale receipt is refused', async () => {
    const q = await createQueue();
    const id = await push(q, { n: 1 });
    const [m] = await receive(q, { visibilityTimeoutSeconds: 10 });
    clock.advance(8_000);
    const res = await t.http.post(`/api/v1/queues/${q}/messages/${id}/lease`).set(auth(reader)).send({ receipt: m.receipt, visibilityTimeoutSeconds: 100 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, receipt: m.receipt, status: 'INPROGRESS' });
    expect(new Date(res.body.leaseExpiresAt).getTime()).toBe(clock.now() + 100_000);
    clock.advance(50_000);
    await t.app.get(MaintenanceService).expireLeases();
    expect(await receive(q)).toEqual([]);
    expect((await ack(q, id, { receipt: m.receipt, outcome: 'complete' })).body.status).toBe('COMPLETE');
    const wrong = await t.http
      .post(`/api/v1/queues/${q}/messages/${id}/lease`)
      .set(auth(reader))
      .send({ receipt: 'not-the-receipt', visibilityTimeoutSeconds: 10 });
    expect(wrong.body.code).toBe('RECEIPT_STALE');
  });

  it('unknown messages and queues are 404', async () => {
    const q = await createQueue();
    expect((await ack(q, 'not-a-uuid', { receipt: 'x', outcome: 'complete' })).body.code).toBe('MESSAGE_NOT_FOUND');
    expect((await ack(q, '00000000-0000-4000-8000-000000000000', { receipt: 'x', outcome: 'complete' })).body.code).toBe('MESSAGE_NOT_FOUND');
    const res = await t.http.post('/api/v1/queues/missing/messages/receive').set(auth(reader)).send({});
    expect(res.status).toBe(404);
  });

  it('a queue with a handler cannot be received from', async () => {
    const res = await t.http.post('/api/v1/queues/handled/messages/receive').set(auth(reader)).send({});
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('QUEUE_HAS_HANDLER');
  });

  it('long polling answers with a message pushed while it waits', async () => {
    const q = await createQueue();
    const poll = t.http
      .post(`/api/v1/queues/${q}/messages/receive`)
      .set(auth(reader))
      .send({ waitSeconds: 20 })
      .then((r) => r);
    const id = await push(q, { n: 'late' });
    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.body.messages.map((m: { id: string }) => m.id)).toEqual([id]);
  });

  it('long polling with nothing to deliver answers an empty list when the wait is over', async () => {
    const q = await createQueue();
    const res = await t.http.post(`/api/v1/queues/${q}/messages/receive`).set(auth(reader)).send({ waitSeconds: 1 });
    expect(res.status).toBe(200);
    expect(res.body.messages).toEqual([]);
  });

  it('a long poll whose caller went away stops waiting', async () => {
    const q = await createQueue();
    const aborted = new AbortController();
    const waiting = t.app.get(ConsumersService).receive(q, { maxMessages: 1, waitSeconds: 20 }, aborted.signal, 'test');
    aborted.abort();
    await expect(waiting).resolves.toEqual([]);
    const id = await push(q, { n: 1 });
    expect((await receive(q)).map((m) => m.id)).toEqual([id]);
  });
});
