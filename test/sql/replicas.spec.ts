import { signToken, TEST_SECRET } from '../support/app';
import { waitFor } from '../support/time';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';
import { call as callReplica, startReplica, stopReplica, type Replica } from './fixtures/replica-process';

describeWithDatabase('postgres', 'sql engine: two Mailroom processes on one database', () => {
  let database: IsolatedDatabase;
  let a: Replica;
  let b: Replica;
  let token: string;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    [a, b] = await Promise.all([startReplica({ DATABASE_URL: database.url }), startReplica({ DATABASE_URL: database.url })]);
    token = await signToken(TEST_SECRET, 'admin', ['system_admin']);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map(stopReplica));
    await database?.drop();
  });

  const call = (replica: Replica, method: string, url: string, body?: unknown) => callReplica(replica, token, method, url, body);

  it('a queue created on one process is usable on the other within seconds', async () => {
    const created = await call(a, 'POST', '/api/v1/queues', { name: 'shared', storageEngine: 'sql', delivery: { visibilityTimeoutSeconds: 120 } });
    expect(created.status).toBe(201);
    await waitFor(async () => (await call(b, 'GET', '/api/v1/queues/shared')).status === 200, 8000, 50);
    const pushed = await call(b, 'POST', '/api/v1/queues/shared/messages', { from: 'b' });
    expect(pushed.status).toBe(201);
    expect((await call(a, 'GET', `/api/v1/queues/shared/messages/${pushed.body.id}`)).body).toMatchObject({ status: 'PENDING', request: { from: 'b' } });
  });

  it('20 concurrent consumers on both processes receive every message exactly once', async () => {
    const total = 200;
    for (let i = 0; i < total; i += 100) {
      const messages = Array.from({ length: Math.min(100, total - i) }, (_, k) => ({ n: i + k }));
      expect((await call(i % 200 === 0 ? a : b, 'POST', '/api/v1/queues/shared/messages/batch', { messages })).status).toBe(201);
    }
    const deliveries = new Map<string, number>();
    const acked = new Set<string>();
    const failures: string[] = [];
    const consumer = async (replica: Replica) => {
      for (let idle = 0; idle < 3 && acked.size < total + 1;) {
        const received = await call(replica, 'POST', '/api/v1/queues/shared/messages/receive', { maxMessages: 5, visibilityTimeoutSeconds: 120 });
        if (received.status !== 200) {
          failures.push(`receive ${received.status}`);
          return;
        }
        const messages = received.body.messages as Array<{ id: string; receipt: string }>;
        if (!messages.length) {
          idle++;
          continue;
        }
        idle = 0;
        for (const m of messages) {
          deliveries.set(m.id, (deliveries.get(m.id) ?? 0) + 1);
          const ack = await call(replica, 'POST', `/api/v1/queues/shared/messages/${m.id}/ack`, { receipt: m.receipt, outcome: 'complete' });
          if (ack.status !== 200) failures.push(`ack ${ack.status} ${ack.body?.code}`);
          else acked.add(m.id);
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => consumer(i % 2 ? a : b)));

    expect(failures).toEqual([]);
    expect([...deliveries.values()].filter((n) => n > 1)).toEqual([]);
    expect(acked.size).toBe(total + 1);
    const stats = await call(b, 'GET', '/api/v1/queues/shared/stats');
    expect(stats.body.counts).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: total + 1, ERROR: 0 });
  }, 30_000);
});
