import { SchedulerRegistry } from '@nestjs/schedule';
import { Client, type QueryConfig } from 'pg';
import { MaintenanceService } from '@app/messages/maintenance.service';
import { startTestApp, type TestApp } from '../support/app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';
import { ManualClock } from '../support/time';

const QUEUE = 'cycle-statements';

/** The statement text and parameters of a pg `query` call, whatever form it was called in. */
function statementOf(args: unknown[]): { text: string; values: string } {
  const [first, second] = args as [string | QueryConfig, unknown];
  const text = typeof first === 'string' ? first : first.text;
  const values = typeof first === 'string' ? second : (first.values ?? second);
  return { text, values: JSON.stringify(values ?? []) };
}

/**
 * At one client every round trip to Postgres is latency (docs/benchmarks.md, "Where a request's
 * time goes"): push, receive and ack are one statement each. Counted at the driver, so a read
 * added before a write, a second query or a transaction's BEGIN/COMMIT anywhere on the path shows.
 */
describeWithDatabase('postgres', 'postgres: one statement per request of the push → receive → ack cycle (DATABASE_URL, e2e)', () => {
  // fixed time: a receive sweeps its queue's expired leases once a second, and only the first one here
  const clock = new ManualClock(Date.now());
  let database: IsolatedDatabase;
  let t: TestApp;
  let auth: { Authorization: string };

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    t = await startTestApp({ clock, env: { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: '127.0.0.1', DISPATCHER_ENABLED: 'false' } });
    // the once-a-second lease sweep and the retention job of every queue would land in the counts at random
    const scheduler = t.app.get(SchedulerRegistry);
    for (const name of scheduler.getIntervals()) scheduler.deleteInterval(name);
    auth = { Authorization: `Bearer ${await t.token('root', ['system_admin'])}` };
    expect((await t.http.post('/api/v1/queues').set(auth).send({ name: QUEUE })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  /** Statements naming the queue sent while `request` ran (NOTIFY aside: it is sent after the answer, at most once per 25 ms). */
  async function statementsOf<T>(request: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      const result = await request();
      const statements = query.mock.calls
        .map((args) => statementOf(args))
        .filter((s) => s.values.includes(QUEUE) && !s.text.includes('pg_notify'))
        .map((s) => s.text.replace(/\s+/g, ' ').slice(0, 60));
      return { result, statements };
    } finally {
      query.mockRestore();
    }
  }

  async function cycle() {
    const pushed = await statementsOf(() => t.http.post(`/api/v1/queues/${QUEUE}/messages`).set(auth).send({ n: 1 }));
    expect(pushed.result.status).toBe(201);
    const received = await statementsOf(() => t.http.post(`/api/v1/queues/${QUEUE}/messages/receive`).set(auth).send({ maxMessages: 10 }));
    expect(received.result.body.messages).toHaveLength(1);
    const [message] = received.result.body.messages as { id: string; receipt: string }[];
    const acked = await statementsOf(() =>
      t.http.post(`/api/v1/queues/${QUEUE}/messages/${message.id}/ack`).set(auth).send({ receipt: message.receipt, outcome: 'complete' }),
    );
    expect(acked.result.status).toBe(200);
    return { push: pushed.statements, receive: received.statements, ack: acked.statements };
  }

  it('sends one statement for a push, one for a receive and one for an ack', async () => {
    await cycle(); // the first receive also sweeps the queue's expired leases
    for (let i = 0; i < 5; i++) {
      const statements = await cycle();
      expect({ push: statements.push.length, receive: statements.receive.length, ack: statements.ack.length }).toEqual({ push: 1, receive: 1, ack: 1 });
    }
  });

  it('sweeps the expired leases of all queues of one database in one statement', async () => {
    const queues = ['sweep-a', 'sweep-b', 'sweep-c'];
    const leased: Record<string, string> = {};
    for (const queue of queues) {
      expect((await t.http.post('/api/v1/queues').set(auth).send({ name: queue })).status).toBe(201);
      expect((await t.http.post(`/api/v1/queues/${queue}/messages`).set(auth).send({ queue })).status).toBe(201);
      const received = await t.http.post(`/api/v1/queues/${queue}/messages/receive`).set(auth).send({ visibilityTimeoutSeconds: 1 });
      leased[queue] = received.body.messages[0].id;
    }
    clock.advance(2_000);
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      expect(await t.app.get(MaintenanceService).expireLeases()).toBe(queues.length);
      const sweeps = query.mock.calls.map((args) => statementOf(args)).filter((s) => s.text.includes('lease_expires_at <'));
      expect(sweeps).toHaveLength(1);
    } finally {
      query.mockRestore();
    }
    for (const queue of queues) {
      expect((await t.http.get(`/api/v1/queues/${queue}/messages/${leased[queue]}`).set(auth)).body).toMatchObject({ status: 'PENDING', attempts: 1 });
    }
  });
});
