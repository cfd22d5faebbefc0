import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';

/** Handlers run by the dispatcher, end to end over HTTP: outcomes, timeouts, crashes, reloads, requeue, order. */
describe('handlers: the dispatcher', () => {
  let t: TestApp;
  let admin: string;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-handlers-'));
  const orderFile = path.join(scratch, 'order.log');
  const loopMarker = path.join(scratch, 'loop.started');

  const queue = (name: string, delivery: Record<string, unknown> = {}) => ({
    [`queues/${name}.queue.json`]: { name, roles: { needsRole: false }, delivery },
  });

  beforeAll(async () => {
    t = await startTestApp({
      env: { SHUTDOWN_GRACE_SECONDS: '1' },
      files: {
        ...queue('echo'),
        'queues/echo.queue.js':
          'module.exports = async function (request, context) { return { echo: request, attempt: context.attempt, queue: context.queue, id: context.id } }',
        ...queue('fails'),
        'queues/fails.queue.js': `module.exports = function (request) {
          if (request.mode === 'reject') return Promise.reject(Object.assign(new Error('card declined'), { name: 'PaymentError' }));
          if (request.mode === 'throw') throw new TypeError('bad input');
          return Promise.reject('just a string');
        }`,
        ...queue('loop', { handlerTimeoutSeconds: 1 }),
        'queues/loop.queue.js': `module.exports = function () { require('node:fs').writeFileSync(${JSON.stringify(loopMarker)}, 'spinning'); for (;;) {} }`,
        ...queue('crashy'),
        'queues/crashy.queue.js': 'module.exports = async function () { process.exit(7) }',
        ...queue('thrower'),
        'queues/thrower.queue.js': 'module.exports = function () { setTimeout(() => { throw new Error("boom, uncaught") }, 0); return new Promise(() => {}) }',
        ...queue('flaky'),
        'queues/flaky.queue.js': `module.exports = async function (request, context) {
          const runs = ((await this.storageService.get('runs:' + context.id)) || 0) + 1;
          await this.storageService.set('runs:' + context.id, runs);
          if (runs === 1) throw new Error('first run fails');
          return { runs };
        }`,
        ...queue('ordered', { concurrency: 1 }),
        'queues/ordered.queue.js': `const fs = require('node:fs');
          module.exports = async function (request) {
            fs.appendFileSync(${JSON.stringify(orderFile)}, 'start ' + request.n + '\\n');
            await new Promise((resolve) => setImmediate(resolve));
            fs.appendFileSync(${JSON.stringify(orderFile)}, 'end ' + request.n + '\\n');
          }`,
        ...queue('versioned'),
        'queues/versioned.queue.js': 'module.exports = async () => "v1"',
      },
    });
    admin = await t.token('alice', ['system_admin']);
  });

  afterAll(async () => {
    await t.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  async function push(queueName: string, body: object): Promise<string> {
    const res = await t.http.post(`/api/v1/queues/${queueName}/messages`).set('Authorization', `Bearer ${admin}`).send(body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  async function get(queueName: string, id: string) {
    const res = await t.http.get(`/api/v1/queues/${queueName}/messages/${id}`).set('Authorization', `Bearer ${admin}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function settled(queueName: string, id: string, timeoutMs = 5000) {
    return waitFor(async () => {
      const message = await get(queueName, id);
      return message.status === 'COMPLETE' || message.status === 'ERROR' ? message : null;
    }, timeoutMs);
  }

  it('stores what the handler resolves with and marks the message COMPLETE', async () => {
    const id = await push('echo', { sku: 'A1' });
    const message = await settled('echo', id);
    expect(message).toMatchObject({ status: 'COMPLETE', attempts: 1, error: null, result: { echo: { sku: 'A1' }, attempt: 1, queue: 'echo', id } });
  });

  it.each([
    ['reject', { name: 'PaymentError', message: 'card declined' }],
    ['throw', { name: 'TypeError', message: 'bad input' }],
    ['string', { name: 'Error', message: 'just a string' }],
  ])('marks a message ERROR when the handler fails (%s), with {name, message} and no stack', async (mode, error) => {
    const id = await push('fails', { mode });
    const message = await settled('fails', id);
    expect(message).toMatchObject({ status: 'ERROR', attempts: 1, result: null });
    expect(message.error).toEqual(error);
  });

  it('ends an endless loop at handlerTimeoutSeconds while the API keeps answering', async () => {
    const id = await push('loop', { spin: true });
    await waitFor(() => fs.existsSync(loopMarker));
    const health = await t.http.get('/healthz');
    expect(health.status).toBe(200);
    const other = await push('echo', { during: 'loop' });
    expect((await settled('echo', other)).status).toBe('COMPLETE');
    expect((await get('loop', id)).status).toBe('INPROGRESS');
    const message = await settled('loop', id, 5000);
    expect(message).toMatchObject({ status: 'ERROR', error: { name: 'HandlerTimeout' } });
    const after = await push('echo', { after: 'loop' });
    expect((await settled('echo', after)).status).toBe('COMPLETE');
  });

  it('survives a handler that exits its worker thread', async () => {
    const id = await push('crashy', {});
    const message = await settled('crashy', id);
    expect(message).toMatchObject({ status: 'ERROR', error: { name: 'WorkerCrashed' } });
    expect((await t.http.get('/healthz')).status).toBe(200);
    const after = await push('echo', { after: 'crash' });
    expect((await settled('echo', after)).result.echo).toEqual({ after: 'crash' });
  });

  it('survives an uncaught asynchronous exception in a handler', async () => {
    const id = await push('thrower', {});
    const message = await settled('thrower', id);
    expect(message).toMatchObject({ status: 'ERROR', error: { name: 'WorkerCrashed' } });
    expect(message.error.message).toContain('boom, uncaught');
    const after = await push('echo', { after: 'uncaught' });
    expect((await settled('echo', after)).status).toBe('COMPLETE');
  });

  it('runs a requeued message again', async () => {
    const id = await push('flaky', {});
    expect(await settled('flaky', id)).toMatchObject({ status: 'ERROR', error: { message: 'first run fails' } });
    const requeued = await t.http.post(`/api/v1/queues/flaky/messages/${id}/requeue`).set('Authorization', `Bearer ${admin}`);
    expect(requeued.status).toBe(200);
    expect(await settled('flaky', id)).toMatchObject({ status: 'COMPLETE', result: { runs: 2 }, error: null });
  });

  it('hands messages to a concurrency-1 queue one at a time, in send order', async () => {
    const batch = Array.from({ length: 40 }, (_, n) => ({ n }));
    const res = await t.http
      .post('/api/v1/queues/ordered/messages/batch')
      .set('Authorization', `Bearer ${admin}`)
      .send({ messages: batch.slice(0, 30) });
    expect(res.status).toBe(201);
    for (const body of batch.slice(30)) await push('ordered', body);
    await waitFor(() => fs.existsSync(orderFile) && fs.readFileSync(orderFile, 'utf8').trim().split('\n').length === 80);
    const expected = batch.flatMap(({ n }) => [`start ${n}`, `end ${n}`]);
    expect(fs.readFileSync(orderFile, 'utf8').trim().split('\n')).toEqual(expected);
  });

  it('uses a changed handler file for the next message', async () => {
    const first = await push('versioned', {});
    expect((await settled('versioned', first)).result).toBe('v1');
    const file = path.join(t.configDir, 'queues', 'versioned.queue.js');
    fs.writeFileSync(file, 'module.exports = async () => "v2"');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    const result = await waitFor(
      async () => {
        const message = await settled('versioned', await push('versioned', {}));
        return message.result === 'v2' ? message.result : null;
      },
      10_000,
      50,
    );
    expect(result).toBe('v2');
  });
});
