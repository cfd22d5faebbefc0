import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestApp } from '../support/app';
import { waitFor, type ManualClock } from '../support/time';

export interface FifoHarness {
  t: TestApp;
  clock: ManualClock;
}

interface Leased {
  id: string;
  request: { label: string };
  receipt: string;
  groupId?: string;
  sequenceNumber?: string;
}

/** Handler queue files for the group-ordering case: group `a`'s first message waits until group `b` has started. */
export function fifoHandlerFiles(orderFile: string): Record<string, unknown> {
  return {
    'queues/fifo-handled.queue.json': { name: 'fifo-handled', ordering: { mode: 'fifo' }, delivery: { concurrency: 4 } },
    'queues/fifo-handled.queue.js': `const fs = require('node:fs');
      const file = ${JSON.stringify(orderFile)};
      const seen = (line) => fs.existsSync(file) && fs.readFileSync(file, 'utf8').split('\\n').includes(line);
      module.exports = async function (request) {
        fs.appendFileSync(file, 'start ' + request.g + ' ' + request.i + '\\n');
        if (request.g === 'a' && request.i === 0) {
          for (let waited = 0; !seen('start b 0'); waited += 10) {
            if (waited > 5000) throw new Error('group b never ran beside group a');
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
        fs.appendFileSync(file, 'end ' + request.g + ' ' + request.i + '\\n');
        return request.i;
      };`,
  };
}

export function tempOrderFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-fifo-')), 'order.log');
}

/** FIFO queues, deduplication and batch ack over HTTP, on whichever engine the harness runs. */
export function fifoCases(harness: () => FifoHarness, orderFile: () => string): void {
  let counter = 0;
  const ctx = () => harness();
  const bearer = async (sub: string, roles: string[]) => ({ Authorization: `Bearer ${await ctx().t.token(sub, roles)}` });

  async function fifoQueue(ordering: Record<string, unknown> = {}): Promise<string> {
    const name = `fifo${++counter}`;
    const admin = await bearer('root', ['system_admin']);
    const res = await ctx()
      .t.http.post('/api/v1/queues')
      .set(admin)
      .send({ name, ordering: { mode: 'fifo', ...ordering } });
    expect(res.status).toBe(201);
    return name;
  }

  async function push(queue: string, label: string, headers: Record<string, string>, token?: Record<string, string>) {
    return ctx()
      .t.http.post(`/api/v1/queues/${queue}/messages`)
      .set(token ?? (await bearer('writer', ['queue_writer'])))
      .set(headers)
      .send({ label });
  }

  async function receive(queue: string, maxMessages = 10): Promise<Leased[]> {
    const res = await ctx()
      .t.http.post(`/api/v1/queues/${queue}/messages/receive`)
      .set(await bearer('reader', ['queue_reader']))
      .send({ maxMessages });
    expect(res.status).toBe(200);
    return res.body.messages;
  }

  const labels = (messages: Leased[]) => messages.map((m) => m.request.label);

  it('defines a FIFO queue with its defaults, shown in the definition; refuses a bad ordering', async () => {
    const admin = await bearer('root', ['system_admin']);
    const name = await fifoQueue();
    const res = await ctx().t.http.get(`/api/v1/queues/${name}`).set(admin);
    expect(res.body.ordering).toEqual({ mode: 'fifo', contentBasedDeduplication: false, deduplicationWindowSeconds: 300 });
    const standard = await ctx()
      .t.http.post('/api/v1/queues')
      .set(admin)
      .send({ name: `std${++counter}` });
    expect(standard.body.ordering).toEqual({ mode: 'standard', contentBasedDeduplication: false, deduplicationWindowSeconds: 300 });
    for (const ordering of [{ mode: 'lifo' }, { deduplicationWindowSeconds: 0 }, { contentBasedDeduplication: 'yes' }, { extra: 1 }]) {
      const bad = await ctx()
        .t.http.post('/api/v1/queues')
        .set(admin)
        .send({ name: `bad${++counter}`, ordering });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('INVALID_QUEUE_DEFINITION');
    }
  });

  it('refuses FIFO input that does not fit the queue with 400, storing nothing', async () => {
    const fifo = await fifoQueue();
    const writer = await bearer('writer', ['queue_writer']);
    const std = `std${++counter}`;
    await ctx()
      .t.http.post('/api/v1/queues')
      .set(await bearer('root', ['system_admin']))
      .send({ name: std });
    const cases = [
      await push(fifo, 'no group', {}),
      await push(fifo, 'bad group', { 'Message-Group-Id': 'x'.repeat(129) }),
      await push(fifo, 'space', { 'Message-Group-Id': 'a b' }),
      await push(fifo, 'both keys', { 'Message-Group-Id': 'g', 'Deduplication-Id': 'd', 'Idempotency-Key': 'k' }),
      await ctx().t.http.post(`/api/v1/queues/${fifo}/messages?delaySeconds=5`).set(writer).set({ 'Message-Group-Id': 'g' }).send({ label: 'delayed' }),
      await push(std, 'group on standard', { 'Message-Group-Id': 'g' }),
      await push(std, 'dedup on standard', { 'Deduplication-Id': 'd' }),
      await ctx()
        .t.http.post(`/api/v1/queues/${fifo}/messages/batch`)
        .set(writer)
        .send({ entries: [{ message: { label: 'ok' }, groupId: 'g' }, { message: { label: 'no group' } }] }),
      await ctx()
        .t.http.post(`/api/v1/queues/${fifo}/messages/batch`)
        .set(writer)
        .send({ messages: [{}], entries: [{ message: {}, groupId: 'g' }] }),
      await ctx()
        .t.http.post(`/api/v1/queues/${fifo}/messages/batch`)
        .set(writer)
        .set({ 'Deduplication-Id': 'd' })
        .send({ messages: [{}] }),
    ];
    expect(cases.map((r) => `${r.status} ${r.body.code}`)).toEqual(Array(cases.length).fill('400 VALIDATION_FAILED'));
    expect(cases[0].body.message).toContain('Message-Group-Id');
    expect(await receive(fifo)).toEqual([]);
    expect(await receive(std)).toEqual([]);
  });

  it('delivers each group in order, several of a group in one receive, nothing of a group while one is in flight; batch ack answers each entry', async () => {
    const q = await fifoQueue();
    const writer = await bearer('writer', ['queue_writer']);
    const pushed: Array<{ sequenceNumber: string; groupId: string }> = [];
    for (const [label, group] of [
      ['a1', 'a'],
      ['b1', 'b'],
      ['a2', 'a'],
    ] as const) {
      const res = await push(q, label, { 'Message-Group-Id': group });
      expect(res.status).toBe(201);
      pushed.push(res.body);
    }
    const batch = await ctx()
      .t.http.post(`/api/v1/queues/${q}/messages/batch`)
      .set(writer)
      .set({ 'Message-Group-Id': 'a' })
      .send({
        entries: [{ message: { label: 'b2' }, groupId: 'b' }, { message: { label: 'a3' } }],
      });
    expect(batch.status).toBe(201);
    pushed.push(...batch.body.items);
    expect(pushed.map((m) => m.groupId)).toEqual(['a', 'b', 'a', 'b', 'a']);
    const sequence = pushed.map((m) => BigInt(m.sequenceNumber));
    for (let i = 1; i < sequence.length; i++) expect(sequence[i] > sequence[i - 1]).toBe(true);

    const first = await receive(q, 2);
    expect(labels(first)).toEqual(['a1', 'b1']);
    expect(first.map((m) => m.sequenceNumber)).toEqual([pushed[0].sequenceNumber, pushed[1].sequenceNumber]);
    expect(await receive(q)).toEqual([]);

    const reader = await bearer('reader', ['queue_reader']);
    const acked = await ctx()
      .t.http.post(`/api/v1/queues/${q}/messages/ack`)
      .set(reader)
      .send({
        entries: [
          { id: first[0].id, receipt: first[0].receipt },
          { id: first[1].id, receipt: 'not-the-receipt' },
          { id: '00000000-0000-4000-8000-000000000000', receipt: 'r' },
        ],
      });
    expect(acked.status).toBe(200);
    expect(acked.body.successful).toEqual([{ id: first[0].id, status: 'COMPLETE' }]);
    expect(acked.body.failed.map((f: { id: string; code: string }) => [f.id, f.code])).toEqual([
      [first[1].id, 'RECEIPT_STALE'],
      ['00000000-0000-4000-8000-000000000000', 'MESSAGE_NOT_FOUND'],
    ]);
    const next = await receive(q);
    expect(labels(next)).toEqual(['a2', 'a3']);

    const endOfQueue = await ctx()
      .t.http.post(`/api/v1/queues/${q}/messages/${next[0].id}/ack`)
      .set(reader)
      .send({ receipt: next[0].receipt, outcome: 'return_to_end_of_queue' });
    expect([endOfQueue.status, endOfQueue.body.code]).toEqual([400, 'VALIDATION_FAILED']);

    const returned = await ctx()
      .t.http.post(`/api/v1/queues/${q}/messages/ack`)
      .set(reader)
      .send({
        entries: [
          { id: next[0].id, receipt: next[0].receipt, outcome: 'return_to_queue' },
          { id: next[1].id, receipt: next[1].receipt, outcome: 'return_to_queue' },
          { id: first[1].id, receipt: first[1].receipt },
        ],
      });
    expect(returned.body.successful.map((s: { status: string }) => s.status)).toEqual(['PENDING', 'PENDING', 'COMPLETE']);
    expect(labels(await receive(q))).toEqual(['a2', 'b2', 'a3']);
  });

  it('batch ack: bounded, distinct, and with the access rules of a single ack', async () => {
    const q = await fifoQueue();
    const reader = await bearer('reader', ['queue_reader']);
    const entry = (n: number) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, receipt: 'r' });
    const tooMany = await ctx()
      .t.http.post(`/api/v1/queues/${q}/messages/ack`)
      .set(reader)
      .send({ entries: Array.from({ length: 11 }, (_, n) => entry(n)) });
    expect([tooMany.status, tooMany.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const twice = await ctx()
      .t.http.post(`/api/v1/queues/${q}/messages/ack`)
      .set(reader)
      .send({ entries: [entry(1), entry(1)] });
    expect([twice.status, twice.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const empty = await ctx().t.http.post(`/api/v1/queues/${q}/messages/ack`).set(reader).send({ entries: [] });
    expect(empty.status).toBe(400);
    const writerOnly = await ctx()
      .t.http.post(`/api/v1/queues/${q}/messages/ack`)
      .set(await bearer('writer', ['queue_writer']))
      .send({ entries: [entry(1)] });
    expect(writerOnly.status).toBe(403);
    const anonymous = await ctx()
      .t.http.post(`/api/v1/queues/${q}/messages/ack`)
      .send({ entries: [entry(1)] });
    expect(anonymous.status).toBe(401);
    const missing = await ctx()
      .t.http.post('/api/v1/queues/nope/messages/ack')
      .set(await bearer('root', ['system_admin']))
      .send({ entries: [entry(1)] });
    expect(missing.status).toBe(404);
  });

  it('deduplicates a Deduplication-Id per queue within the window: 200 with the first message, another sender sees only its id', async () => {
    const q = await fifoQueue();
    const first = await push(q, 'one', { 'Message-Group-Id': 'g', 'Deduplication-Id': 'order-17' });
    expect(first.status).toBe(201);
    const again = await push(q, 'one, retried', { 'Message-Group-Id': 'g', 'Deduplication-Id': 'order-17' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, sequenceNumber: first.body.sequenceNumber, request: { label: 'one' } });
    const other = await push(q, 'other sender', { 'Message-Group-Id': 'g', 'Deduplication-Id': 'order-17' }, await bearer('mallory', ['queue_writer']));
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ id: first.body.id, queue: q, status: 'PENDING', groupId: 'g', sequenceNumber: first.body.sequenceNumber, deduplicated: true });
    ctx().clock.advance(299_000);
    expect((await push(q, 'still inside', { 'Message-Group-Id': 'g', 'Deduplication-Id': 'order-17' })).status).toBe(200);
    ctx().clock.advance(1_000);
    const after = await push(q, 'after the window', { 'Message-Group-Id': 'g', 'Deduplication-Id': 'order-17' });
    expect(after.status).toBe(201);
    expect(after.body.id).not.toBe(first.body.id);
    expect(labels(await receive(q))).toEqual(['one', 'after the window']);
  });

  it('content-based deduplication: the same body within the window is stored once', async () => {
    const q = await fifoQueue({ contentBasedDeduplication: true, deduplicationWindowSeconds: 60 });
    const first = await push(q, 'same', { 'Message-Group-Id': 'g' });
    const again = await push(q, 'same', { 'Message-Group-Id': 'h' });
    const different = await push(q, 'different', { 'Message-Group-Id': 'g' });
    expect([first.status, again.status, different.status]).toEqual([201, 200, 201]);
    expect(again.body.id).toBe(first.body.id);
    const explicit = await push(q, 'same', { 'Message-Group-Id': 'g', 'Deduplication-Id': 'own' });
    expect(explicit.status).toBe(201);
    ctx().clock.advance(60_000);
    expect((await push(q, 'same', { 'Message-Group-Id': 'g' })).status).toBe(201);
  });

  it('topic fan-out carries the group id into FIFO queues only', async () => {
    const admin = await bearer('root', ['system_admin']);
    const fifo = await fifoQueue();
    const std = `std${++counter}`;
    await ctx().t.http.post('/api/v1/queues').set(admin).send({ name: std });
    const topic = `topic${++counter}`;
    expect(
      (
        await ctx()
          .t.http.post('/api/v1/topics')
          .set(admin)
          .send({ name: topic, queues: [fifo, std] })
      ).status,
    ).toBe(201);
    const published = await ctx().t.http.post(`/api/v1/topics/${topic}/messages`).set(admin).set({ 'Message-Group-Id': 'tenant-1' }).send({ label: 'fanned' });
    expect(published.status).toBe(201);
    const [inFifo] = await receive(fifo);
    const [inStd] = await receive(std);
    expect(inFifo).toMatchObject({ groupId: 'tenant-1', request: { label: 'fanned' } });
    expect(inStd.groupId).toBeUndefined();
    const bad = await ctx().t.http.post(`/api/v1/topics/${topic}/messages`).set(admin).set({ 'Message-Group-Id': 'a b' }).send({});
    expect(bad.status).toBe(400);
  });

  it('handlers run groups concurrently and each group in order, one message of a group at a time', async () => {
    const writer = await bearer('writer', ['queue_writer']);
    const entries = [0, 1, 2, 3].flatMap((i) => ['a', 'b', 'c'].map((g) => ({ message: { g, i }, groupId: g })));
    const res = await ctx().t.http.post('/api/v1/queues/fifo-handled/messages/batch').set(writer).send({ entries });
    expect(res.status).toBe(201);
    const file = orderFile();
    const lines = await waitFor(() => {
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
      return text.filter((l) => l.startsWith('end')).length === 12 ? text : null;
    }, 15_000);
    for (const g of ['a', 'b', 'c']) {
      const own = lines.filter((l) => l.split(' ')[1] === g);
      expect(own).toEqual([0, 1, 2, 3].flatMap((i) => [`start ${g} ${i}`, `end ${g} ${i}`]));
    }
    expect(lines.indexOf('start b 0')).toBeLessThan(lines.indexOf('end a 0'));
  });
}
