import { startTestApp, type TestApp } from '../support/app';
import { ManualClock } from '../support/time';
import { ConsumersService } from '@app/messages/consumers/consumers.service';
import { LifecycleService } from '@app/lifecycle/lifecycle.service';

describe('pull consumers under concurrency (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let reader: string;

  beforeAll(async () => {
    // the clock never moves, so no lease expires: a message delivered twice would be a double lease
    t = await startTestApp({ clock: new ManualClock(), env: { DISPATCHER_ENABLED: 'false' } });
    admin = await t.token('admin', ['system_admin']);
    reader = await t.token('rita', ['queue_reader']);
    expect((await t.http.post('/api/v1/queues').set('Authorization', `Bearer ${admin}`).send({ name: 'busy' })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('50 parallel receivers: every one of 200 messages is leased to exactly one receiver and all are delivered', async () => {
    const TOTAL = 200;
    for (let batch = 0; batch < 2; batch++) {
      const messages = Array.from({ length: 100 }, (_, i) => ({ n: batch * 100 + i }));
      const res = await t.http.post('/api/v1/queues/busy/messages/batch').set('Authorization', `Bearer ${admin}`).send({ messages });
      expect(res.status).toBe(201);
    }

    const holder = new Map<string, number>();
    const deliveries = new Map<string, number>();
    let acked = 0;
    const receiver = async (me: number) => {
      for (let empty = 0; empty < 3 && acked < TOTAL;) {
        const res = await t.http.post('/api/v1/queues/busy/messages/receive').set('Authorization', `Bearer ${reader}`).send({ maxMessages: 5 });
        expect(res.status).toBe(200);
        const messages = res.body.messages as { id: string; receipt: string }[];
        if (!messages.length) {
          empty++;
          continue;
        }
        for (const m of messages) {
          expect(holder.get(m.id)).toBeUndefined();
          holder.set(m.id, me);
          deliveries.set(m.id, (deliveries.get(m.id) ?? 0) + 1);
        }
        for (const m of messages) {
          holder.delete(m.id);
          const ack = await t.http
            .post(`/api/v1/queues/busy/messages/${m.id}/ack`)
            .set('Authorization', `Bearer ${reader}`)
            .send({ receipt: m.receipt, outcome: 'complete', result: { by: me } });
          expect(ack.status).toBe(200);
          acked++;
        }
      }
    };
    await Promise.all(Array.from({ length: 50 }, (_, i) => receiver(i)));

    expect(deliveries.size).toBe(TOTAL);
    expect([...deliveries.values()].every((count) => count === 1)).toBe(true);
    const stats = await t.http.get('/api/v1/queues/busy/stats').set('Authorization', `Bearer ${admin}`);
    expect(stats.body.counts).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: TOTAL, ERROR: 0 });
  });

  it('a drain that starts ends waiting long polls (they answer instead of waiting on)', async () => {
    const consumers = t.app.get(ConsumersService);
    const waiting = consumers.receive('busy', { maxMessages: 1, waitSeconds: 20 }, new AbortController().signal, 'test');
    t.app.get(LifecycleService).startDrain();
    await expect(waiting).resolves.toEqual([]);
  }, 5_000); // without the drain check this poll would wait its full 20 s

  it('shutting down ends waiting long polls at once', async () => {
    const waiting = t.app.get(ConsumersService).receive('busy', { maxMessages: 1, waitSeconds: 20 }, new AbortController().signal, 'test');
    const closing = t.close();
    await expect(waiting).resolves.toEqual([]);
    await closing;
    t = undefined as unknown as TestApp;
  });
});
