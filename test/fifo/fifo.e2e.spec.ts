import { SqlDatabase } from '@app/storage/sql/sql-database';
import { startTestApp, type TestApp } from '../support/app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';
import { ManualClock } from '../support/time';
import { fifoCases, fifoHandlerFiles, tempOrderFile } from './fifo-cases';

describe('FIFO queues, deduplication and batch ack on the filesystem engine (e2e)', () => {
  const clock = new ManualClock(Date.now());
  const orderFile = tempOrderFile();
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ clock, files: fifoHandlerFiles(orderFile) });
  });
  afterAll(async () => {
    await t?.close();
  });

  fifoCases(
    () => ({ t, clock }),
    () => orderFile,
  );
});

describeWithDatabase('postgres', 'FIFO queues, deduplication and batch ack on Postgres (DATABASE_URL, e2e)', () => {
  const clock = new ManualClock(Date.now());
  const orderFile = tempOrderFile();
  let database: IsolatedDatabase;
  let t: TestApp;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    t = await startTestApp({ clock, env: { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: '127.0.0.1' }, files: fifoHandlerFiles(orderFile) });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  fifoCases(
    () => ({ t, clock }),
    () => orderFile,
  );

  it('a batch ack of 10 settles them in one statement', async () => {
    const admin = { Authorization: `Bearer ${await t.token('root', ['system_admin'])}` };
    expect((await t.http.post('/api/v1/queues').set(admin).send({ name: 'acked-together' })).status).toBe(201);
    expect(
      (
        await t.http
          .post('/api/v1/queues/acked-together/messages/batch')
          .set(admin)
          .send({ messages: Array.from({ length: 10 }, (_, n) => ({ n })) })
      ).status,
    ).toBe(201);
    const received = await t.http.post('/api/v1/queues/acked-together/messages/receive').set(admin).send({ maxMessages: 10 });
    expect(received.body.messages).toHaveLength(10);
    const query = jest.spyOn(SqlDatabase.prototype, 'query');
    try {
      const acked = await t.http
        .post('/api/v1/queues/acked-together/messages/ack')
        .set(admin)
        .send({ entries: received.body.messages.map((m: { id: string; receipt: string }) => ({ id: m.id, receipt: m.receipt })) });
      expect(acked.body.successful).toHaveLength(10);
      // only this queue's statements: the once-a-second lease sweep of other queues may run meanwhile
      const ids: string[] = received.body.messages.map((m: { id: string }) => m.id);
      const settles = query.mock.calls.filter(
        ([statement]) => statement.sql.startsWith('UPDATE mailroom_messages') && ids.some((id) => JSON.stringify(statement.params).includes(id)),
      );
      expect(settles).toHaveLength(1);
    } finally {
      query.mockRestore();
    }
  });
});
