import { LongPollSlots } from '@app/messages/consumers/long-poll-slots';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';

describe('caps on concurrent long polls (e2e)', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  let writer: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: { DISPATCHER_ENABLED: 'false', LONG_POLL_MAX_PER_SUBJECT: '2', LONG_POLL_MAX: '3' },
      files: { 'queues/orders.queue.json': {} },
    });
    alice = await t.token('alice', ['queue_reader']);
    bob = await t.token('bob', ['queue_reader']);
    writer = await t.token('writer', ['queue_writer']);
  });
  afterAll(() => t.close());

  const receive = (token: string, waitSeconds: number) =>
    t.http.post('/api/v1/queues/orders/messages/receive').set('Authorization', `Bearer ${token}`).send({ maxMessages: 1, waitSeconds });
  const open = () => t.app.get(LongPollSlots).open;

  it('refuses a long poll past LONG_POLL_MAX_PER_SUBJECT, then past LONG_POLL_MAX, with 429 TOO_MANY_LONG_POLLS and Retry-After', async () => {
    const held = [receive(alice, 20).then((r) => r), receive(alice, 20).then((r) => r)];
    await waitFor(() => open() === 2);

    const third = await receive(alice, 20);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ code: 'TOO_MANY_LONG_POLLS', message: expect.stringContaining('LONG_POLL_MAX_PER_SUBJECT') });
    expect(third.headers['retry-after']).toBe('1');
    await receive(alice, 0).expect(200);

    held.push(receive(bob, 20).then((r) => r));
    await waitFor(() => open() === 3);
    const overProcess = await receive(bob, 20);
    expect(overProcess.status).toBe(429);
    expect(overProcess.body.message).toContain('LONG_POLL_MAX');

    for (let i = 0; i < 3; i++) await t.http.post('/api/v1/queues/orders/messages').set('Authorization', `Bearer ${writer}`).send({ i }).expect(201);
    const answers = await Promise.all(held);
    expect(answers.map((r) => [r.status, r.body.messages.length])).toEqual([
      [200, 1],
      [200, 1],
      [200, 1],
    ]);
    await waitFor(() => open() === 0);
  });

  it('gives the slot back when the client goes away', async () => {
    const request = receive(alice, 20);
    const pending = request.then(
      () => 'answered',
      () => 'aborted',
    );
    await waitFor(() => open() === 1);
    request.abort();
    await pending;
    await waitFor(() => open() === 0);
  });
});
