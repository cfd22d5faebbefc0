import { randomUUID } from 'node:crypto';
import { MaintenanceService } from '@app/messages/maintenance.service';
import { storedIdempotencyKey } from '@app/messages/idempotency-key';
import type { MessageStore } from '@app/storage/ports/message.store';
import { StorageService } from '@app/storage/storage.service';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { startTestApp, type TestApp } from '../support/app';
import { ManualClock, waitFor } from '../support/time';
import { redeliveryAcceptance } from './redelivery-acceptance';

describe('redelivery, dead-letter redrive and purge on the filesystem engine (e2e)', () => {
  const clock = new ManualClock();
  const logLines: string[] = [];
  let t: TestApp;
  let admin: Record<string, string>;
  let counter = 0;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { DISPATCHER_ENABLED: 'false', LOG_LEVEL: 'info' }, logDestination: { write: (line) => void logLines.push(line) } });
    admin = await bearer('root', ['system_admin']);
  });
  afterAll(async () => {
    await t?.close();
  });

  redeliveryAcceptance(() => ({ t, clock, storageEngine: 'filesystem' }));

  async function bearer(sub: string, roles: string[]): Promise<Record<string, string>> {
    return { Authorization: `Bearer ${await t.token(sub, roles)}` };
  }

  /** A source queue with maxReceives 1 and its dead-letter queue. */
  async function queuePair(): Promise<{ q: string; dlq: string }> {
    const q = `src${++counter}`;
    const dlq = `${q}-dead`;
    expect((await t.http.post('/api/v1/queues').set(admin).send({ name: dlq })).status).toBe(201);
    expect(
      (
        await t.http
          .post('/api/v1/queues')
          .set(admin)
          .send({ name: q, delivery: { maxReceives: 1, deadLetterQueue: dlq } })
      ).status,
    ).toBe(201);
    return { q, dlq };
  }

  function storeOf(queue: string): MessageStore {
    return t.app.get(StorageService).forQueue(t.app.get(QueueRegistry).require(queue).definition);
  }

  async function push(queue: string, body: object): Promise<string> {
    const res = await t.http.post(`/api/v1/queues/${queue}/messages`).set(admin).send(body);
    expect(res.status).toBeLessThan(300);
    return res.body.id;
  }

  async function receive(queue: string, max = 10): Promise<Array<{ id: string; receipt: string; attempts: number }>> {
    const res = await t.http.post(`/api/v1/queues/${queue}/messages/receive`).set(admin).send({ maxMessages: max, visibilityTimeoutSeconds: 5 });
    expect(res.status).toBe(200);
    return res.body.messages;
  }

  async function get(queue: string, id: string) {
    return (await t.http.get(`/api/v1/queues/${queue}/messages/${id}`).set(admin)).body;
  }

  async function counts(queue: string) {
    return (await t.http.get(`/api/v1/queues/${queue}/stats`).set(admin)).body.counts;
  }

  /** Pushes `bodies`, receives them once and lets the leases expire: each ends ERROR with a dead letter. */
  async function deadLetter(q: string, bodies: object[]): Promise<string[]> {
    const ids: string[] = [];
    for (const body of bodies) ids.push(await push(q, body));
    expect(await receive(q)).toHaveLength(bodies.length);
    clock.advance(5_001);
    await t.app.get(MaintenanceService).expireLeases();
    await waitFor(async () => (await counts(q)).ERROR === bodies.length);
    return ids;
  }

  async function deadLetters(dlq: string): Promise<Array<{ id: string; status: string; deadLetter: { queue: string; id: string } }>> {
    return (await t.http.get(`/api/v1/queues/${dlq}/messages`).set(admin)).body.items;
  }

  describe('requeue of a dead-lettered message', () => {
    it('deletes its waiting dead-letter copy, so a later redrive does not process it twice', async () => {
      const { q, dlq } = await queuePair();
      const [id, other] = await deadLetter(q, [{ a: 1 }, { a: 2 }]);
      expect(await deadLetters(dlq)).toHaveLength(2);
      const requeued = await t.http.post(`/api/v1/queues/${q}/messages/${id}/requeue`).set(admin);
      expect(requeued.status).toBe(200);
      expect(requeued.body).toMatchObject({ status: 'PENDING', attempts: 0 });
      expect((await deadLetters(dlq)).map((m) => m.deadLetter.id)).toEqual([other]);
      const redrive = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({});
      expect(redrive.body.items.map((i: { source: { id: string } }) => i.source.id)).toEqual([other]);
      expect(await counts(q)).toMatchObject({ PENDING: 2, ERROR: 0 });
    });

    it('is refused with 409 DEAD_LETTER_IN_PROGRESS while the copy is leased in the dead-letter queue', async () => {
      const { q, dlq } = await queuePair();
      const [id] = await deadLetter(q, [{ a: 1 }]);
      const [copy] = await receive(dlq);
      const refused = await t.http.post(`/api/v1/queues/${q}/messages/${id}/requeue`).set(admin);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('DEAD_LETTER_IN_PROGRESS');
      expect(await get(q, id)).toMatchObject({ status: 'ERROR' });
      const acked = await t.http.post(`/api/v1/queues/${dlq}/messages/${copy.id}/ack`).set(admin).send({ receipt: copy.receipt, outcome: 'complete' });
      expect(acked.status).toBe(200);
      expect((await t.http.post(`/api/v1/queues/${q}/messages/${id}/requeue`).set(admin)).status).toBe(200);
      expect(await get(dlq, copy.id)).toMatchObject({ status: 'COMPLETE' });
    });
  });

  describe('redrive', () => {
    it('stores the message anew when the original is gone, and a repeated redrive after a crash stores nothing more', async () => {
      const { q, dlq } = await queuePair();
      const [gone, crashed] = await deadLetter(q, [{ k: 'gone' }, { k: 'crashed' }]);
      const copies = await deadLetters(dlq);
      const copyOf = (id: string) => copies.find((c) => c.deadLetter.id === id)!.id;
      expect((await t.http.delete(`/api/v1/queues/${q}/messages/${gone}`).set(admin)).status).toBe(204);
      expect((await t.http.delete(`/api/v1/queues/${q}/messages/${crashed}`).set(admin)).status).toBe(204);
      // a redrive that died after storing the new message and before deleting the dead letter
      const stored = randomUUID();
      const now = clock.now();
      await storeOf(q).insert([
        {
          id: stored,
          queue: q,
          request: { k: 'crashed' },
          sentBy: 'root',
          createdAt: now,
          availableAt: now,
          idempotencyKey: storedIdempotencyKey({ kind: 'redrive', queue: dlq, id: copyOf(crashed) }),
        },
      ]);

      const res = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({});
      expect(res.status).toBe(200);
      const bySource = Object.fromEntries(res.body.items.map((i: { id: string; source: { id: string }; outcome: string }) => [i.id, i]));
      expect(bySource[copyOf(crashed)]).toMatchObject({ outcome: 'resent', source: { queue: q, id: stored } });
      expect(bySource[copyOf(gone)]).toMatchObject({ outcome: 'resent' });
      const fresh = await get(q, bySource[copyOf(gone)].source.id);
      expect(fresh).toMatchObject({ status: 'PENDING', request: { k: 'gone' }, attempts: 0 });
      expect(await counts(q)).toMatchObject({ PENDING: 2, ERROR: 0 });
      expect(await deadLetters(dlq)).toEqual([]);
    });

    it('after a crash between the requeue and the delete, only deletes the dead letter (discarded)', async () => {
      const { q, dlq } = await queuePair();
      const [id] = await deadLetter(q, [{ a: 1 }]);
      await storeOf(q).requeue(q, id, clock.now());
      const res = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({});
      expect(res.body).toMatchObject({ redriven: 1, items: [{ source: { queue: q, id }, outcome: 'discarded' }] });
      expect(await counts(q)).toMatchObject({ PENDING: 1, ERROR: 0 });
      expect(await deadLetters(dlq)).toEqual([]);
    });

    it('recognises dead letters stored with the key form of earlier versions (requeue and redrive)', async () => {
      const { q, dlq } = await queuePair();
      const [first, second] = await deadLetter(q, [{ v: 1 }, { v: 2 }]);
      expect(await t.http.post(`/api/v1/queues/${dlq}/messages/purge`).set(admin).send({})).toMatchObject({ status: 200 });
      for (const id of [first, second]) {
        const failedAt = Date.parse((await get(q, id)).updatedAt);
        const now = clock.now();
        await storeOf(dlq).insert([
          {
            id: randomUUID(),
            queue: dlq,
            request: {},
            sentBy: 'root',
            createdAt: now,
            availableAt: now,
            idempotencyKey: `dead-letter:${q}:${id}:${failedAt}`,
            deadLetter: { queue: q, id, error: null },
          },
        ]);
      }
      expect((await t.http.post(`/api/v1/queues/${q}/messages/${first}/requeue`).set(admin)).status).toBe(200);
      expect((await deadLetters(dlq)).map((m) => m.deadLetter.id)).toEqual([second]);
      const res = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({});
      expect(res.body.items).toMatchObject([{ source: { queue: q, id: second }, outcome: 'requeued' }]);
      expect(await counts(q)).toMatchObject({ PENDING: 2, ERROR: 0 });
    });

    it('filters by source queue, ids, status and age, and bounds the work with maxMessages', async () => {
      const { q, dlq } = await queuePair();
      const other = `${q}-other`;
      expect(
        (
          await t.http
            .post('/api/v1/queues')
            .set(admin)
            .send({ name: other, delivery: { maxReceives: 1, deadLetterQueue: dlq } })
        ).status,
      ).toBe(201);
      const early = await deadLetter(q, [{ n: 1 }, { n: 2 }, { n: 3 }]);
      clock.advance(3_600_000);
      const fromOther = await deadLetter(other, [{ n: 4 }]);
      const copies = await deadLetters(dlq);
      const copyOf = (id: string) => copies.find((c) => c.deadLetter.id === id)!.id;

      const byIds = await t.http
        .post(`/api/v1/queues/${dlq}/messages/redrive`)
        .set(admin)
        .send({ ids: [copyOf(early[1]), '00000000-0000-4000-8000-000000000000'] });
      expect(byIds.body).toMatchObject({ redriven: 1, items: [{ source: { id: early[1] } }], skipped: [{ reason: 'MESSAGE_NOT_FOUND' }], done: true });

      const old = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({ olderThanSeconds: 1800 });
      expect(old.body.items.map((i: { source: { id: string } }) => i.source.id).sort()).toEqual([early[0], early[2]].sort());

      const none = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({ sourceQueue: q });
      expect(none.body).toMatchObject({ redriven: 0, done: true });
      const errorsOnly = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({ status: 'ERROR' });
      expect(errorsOnly.body).toMatchObject({ redriven: 0, done: true });
      const rest = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({ sourceQueue: other, maxMessages: 1 });
      expect(rest.body).toMatchObject({ redriven: 1, items: [{ source: { queue: other, id: fromOther[0] } }] });
      expect(await deadLetters(dlq)).toEqual([]);
    });

    it('leaves what it cannot send back in place, with the reason', async () => {
      const { q, dlq } = await queuePair();
      const plain = await push(dlq, { not: 'a dead letter' });
      await deadLetter(q, [{ a: 1 }]);
      expect((await t.http.delete(`/api/v1/queues/${q}`).set(admin)).status).toBe(204);
      const res = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({});
      expect(res.body.redriven).toBe(0);
      expect(res.body.skipped).toEqual(
        expect.arrayContaining([
          { id: plain, reason: 'NOT_A_DEAD_LETTER' },
          { id: expect.any(String), reason: 'SOURCE_QUEUE_NOT_FOUND' },
        ]),
      );
      expect(await counts(dlq)).toMatchObject({ PENDING: 2 });
    });

    it('rejects a malformed request or cursor with a 400, never a 500', async () => {
      const { dlq } = await queuePair();
      for (const body of [
        { maxMessages: 0 },
        { maxMessages: 1001 },
        { status: 'COMPLETE' },
        { ids: ['nope'] },
        { colour: 'red' },
        [1],
        { sourceQueue: 'a/b' },
      ]) {
        const res = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send(body);
        expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
      const cursor = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({ cursor: 'not-a-cursor' });
      expect([cursor.status, cursor.body.code]).toEqual([400, 'INVALID_CURSOR']);
      const missing = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({ sourceQueue: 'no-such-queue' });
      expect([missing.status, missing.body.code]).toEqual([404, 'QUEUE_NOT_FOUND']);
    });
  });

  describe('purge', () => {
    it('deletes by status, at most maxMessages per request, and says when it is done', async () => {
      const { q } = await queuePair();
      await deadLetter(q, [{ e: 1 }, { e: 2 }]);
      for (let n = 0; n < 3; n++) await push(q, { n });
      const first = await t.http.post(`/api/v1/queues/${q}/messages/purge`).set(admin).send({ status: 'PENDING', maxMessages: 2 });
      expect(first.body).toEqual({ queue: q, status: 'PENDING', deleted: 2, done: false });
      const second = await t.http.post(`/api/v1/queues/${q}/messages/purge`).set(admin).send({ status: 'PENDING', maxMessages: 2 });
      expect(second.body).toEqual({ queue: q, status: 'PENDING', deleted: 1, done: true });
      expect(await counts(q)).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 2 });
      const errors = await t.http.post(`/api/v1/queues/${q}/messages/purge`).set(admin).send({ status: 'ERROR' });
      expect(errors.body).toMatchObject({ deleted: 2, done: true });
      const bodiless = await t.http.post(`/api/v1/queues/${q}/messages/purge`).set(admin);
      expect([bodiless.status, bodiless.body]).toEqual([200, { queue: q, status: null, deleted: 0, done: true }]);
      for (const body of [{ status: 'DONE' }, { maxMessages: 10_001 }, { maxMessages: '5' }, 'all']) {
        const res = await t.http.post(`/api/v1/queues/${q}/messages/purge`).set(admin).set('Content-Type', 'application/json').send(JSON.stringify(body));
        expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
    });

    it('writes audit lines naming who did what and how many', async () => {
      const { q, dlq } = await queuePair();
      await deadLetter(q, [{ a: 1 }]);
      await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(admin).send({});
      await t.http.post(`/api/v1/queues/${q}/messages/purge`).set(admin).send({ status: 'PENDING' });
      const audit = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.context === 'Audit' || /^(purge|redrive) /.test(String(entry.msg)));
      expect(audit.map((entry) => entry.msg)).toEqual(
        expect.arrayContaining([
          `redrive queue=${dlq} source=ALL by="root" redriven=1 requeued=1 resent=0 discarded=0 skipped=0 done=true`,
          `purge queue=${q} status=PENDING by="root" deleted=1 done=true`,
        ]),
      );
    });
  });

  describe('access', () => {
    it('lets system_admin, queue_admin, <queue>_admin and an administer_queue grant purge and redrive; readers and writers get 403', async () => {
      const { q, dlq } = await queuePair();
      const purge = async (auth: Record<string, string>, queue = q) => (await t.http.post(`/api/v1/queues/${queue}/messages/purge`).set(auth).send({})).status;
      const redrive = async (auth: Record<string, string>, body: object = {}) => t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(auth).send(body);
      expect(await purge({})).toBe(401);
      for (const roles of [['queue_reader'], ['queue_writer'], [`${q}_reader`, `${q}_writer`], ['system_reader']]) {
        expect(await purge(await bearer('someone', roles))).toBe(403);
        expect((await redrive(await bearer('someone', roles))).status).toBe(403);
      }
      expect(await purge(await bearer('qa', ['queue_admin']))).toBe(200);
      expect(await purge(await bearer('owner', [`${q}_admin`]))).toBe(200);
      expect(await purge(await bearer('owner', [`${q}_admin`]), dlq)).toBe(403);
      expect((await t.http.put(`/api/v1/queues/${q}/permissions/granted/administer_queue`).set(admin)).status).toBe(204);
      expect(await purge(await bearer('granted', []))).toBe(200);
      expect(await purge(await bearer('granted', []), dlq)).toBe(403);
    });

    it('redrives only into source queues the caller administers', async () => {
      const { q, dlq } = await queuePair();
      await deadLetter(q, [{ a: 1 }]);
      const dlqOwner = await bearer('dlq-owner', [`${dlq}_admin`]);
      const filtered = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(dlqOwner).send({ sourceQueue: q });
      expect([filtered.status, filtered.body.code]).toEqual([403, 'FORBIDDEN']);
      const unfiltered = await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(dlqOwner).send({});
      expect(unfiltered.body).toMatchObject({ redriven: 0, skipped: [{ reason: 'FORBIDDEN' }] });
      expect(await counts(dlq)).toMatchObject({ PENDING: 1 });
      const both = await bearer('both', [`${dlq}_admin`, `${q}_admin`]);
      expect((await t.http.post(`/api/v1/queues/${dlq}/messages/redrive`).set(both).send({})).body).toMatchObject({ redriven: 1 });
    });
  });
});
