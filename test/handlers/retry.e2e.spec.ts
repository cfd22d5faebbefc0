import { HandlerDispatcher } from '@app/messages/handlers/dispatcher.service';
import { startTestApp, type TestApp } from '../support/app';
import { ManualClock, waitFor } from '../support/time';

/** Retries with exponential backoff (time moved by a ManualClock), then ERROR and the dead-letter copy. */
describe('handlers: retries and dead letters', () => {
  let t: TestApp;
  let admin: string;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      files: {
        'queues/payments.queue.json': {
          name: 'payments',
          roles: { needsRole: false },
          delivery: { maxAttempts: 3, backoffSeconds: 5, deadLetterQueue: 'payments-dead' },
        },
        'queues/payments.queue.js': `module.exports = async function (request, context) {
          if (request.succeedOn && context.attempt >= request.succeedOn) return { paidOn: context.attempt };
          throw Object.assign(new Error('gateway down (attempt ' + context.attempt + ')'), { name: 'GatewayError' });
        }`,
        'queues/payments-dead.queue.json': { name: 'payments-dead', roles: { needsRole: false } },
      },
    });
    admin = await t.token('alice', ['system_admin']);
  });

  afterAll(() => t.close());

  async function get(queue: string, id: string) {
    const res = await t.http.get(`/api/v1/queues/${queue}/messages/${id}`).set('Authorization', `Bearer ${admin}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  const pendingAfter = (queue: string, id: string, attempts: number) =>
    waitFor(async () => {
      const message = await get(queue, id);
      return message.status === 'PENDING' && message.attempts === attempts ? message : null;
    });

  it('retries after backoffSeconds × 2^(attempts−1), then ends ERROR with a copy in the dead-letter queue', async () => {
    const pushed = await t.http.post('/api/v1/queues/payments/messages').set('Authorization', `Bearer ${admin}`).send({ amount: 10 });
    expect(pushed.status).toBe(201);
    const id = pushed.body.id as string;

    const first = await pendingAfter('payments', id, 1);
    expect(first.error).toEqual({ name: 'GatewayError', message: 'gateway down (attempt 1)' });
    expect(Date.parse(first.availableAt) - clock.now()).toBe(5_000);

    clock.advance(4_999);
    expect(app().snapshot()).toEqual([{ queue: 'payments', active: 0 }]);
    expect((await get('payments', id)).attempts).toBe(1);
    clock.advance(1);
    const second = await pendingAfter('payments', id, 2);
    expect(Date.parse(second.availableAt) - clock.now()).toBe(10_000);

    clock.advance(10_000);
    const failed = await waitFor(async () => {
      const message = await get('payments', id);
      return message.status === 'ERROR' ? message : null;
    });
    expect(failed).toMatchObject({ attempts: 3, error: { name: 'GatewayError', message: 'gateway down (attempt 3)' } });

    const dead = await waitFor(async () => {
      const res = await t.http.get('/api/v1/queues/payments-dead/messages').set('Authorization', `Bearer ${admin}`);
      return res.body.items?.length ? res.body.items : null;
    });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ status: 'PENDING', request: { amount: 10 }, deadLetter: { queue: 'payments', id, error: { name: 'GatewayError' } } });
  });

  it('completes a message that succeeds on a retry', async () => {
    const pushed = await t.http.post('/api/v1/queues/payments/messages').set('Authorization', `Bearer ${admin}`).send({ succeedOn: 2 });
    const id = pushed.body.id as string;
    await pendingAfter('payments', id, 1);
    clock.advance(5_000);
    const done = await waitFor(async () => {
      const message = await get('payments', id);
      return message.status === 'COMPLETE' ? message : null;
    });
    expect(done).toMatchObject({ attempts: 2, result: { paidOn: 2 } });
  });

  it("spreads retries with equal jitter: half the backoff fixed, the other half scaled by the clock's jitter", async () => {
    clock.jitterFraction = 0.2;
    try {
      const pushed = await t.http.post('/api/v1/queues/payments/messages').set('Authorization', `Bearer ${admin}`).send({ amount: 1 });
      const first = await pendingAfter('payments', pushed.body.id, 1);
      expect(Date.parse(first.availableAt) - clock.now()).toBe(2_500 + 500);
    } finally {
      clock.jitterFraction = 1;
    }
  });

  function app(): HandlerDispatcher {
    return t.app.get(HandlerDispatcher);
  }
});
