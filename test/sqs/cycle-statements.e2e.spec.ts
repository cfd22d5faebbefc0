import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { SqlDatabase } from '@app/storage/sql/sql-database';
import { ADMIN, startSqsApp, type SqsTestApp } from '@test/sqs/sqs-app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '@test/support/databases';

describeWithDatabase('postgres', 'SQS cycle on Postgres: the statements it sends', () => {
  let database: IsolatedDatabase;
  let t: SqsTestApp;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    t = await startSqsApp({ env: { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: database.host } });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('SendMessageBatch(10) → ReceiveMessage(10) → DeleteMessageBatch(10) is one INSERT, one claim and one UPDATE', async () => {
    const sqs = t.client(ADMIN);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'cycle' }));
    const query = jest.spyOn(SqlDatabase.prototype, 'query');
    try {
      const sent = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: JSON.stringify({ i }) })) }),
      );
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }),
      );
      expect([sent.Successful?.length, Messages.length, deleted.Successful?.length]).toEqual([10, 10, 10]);
      // the statements of this cycle; the coalesced NOTIFY and the lease sweep (at most once a second) are not per cycle
      const statements = query.mock.calls.map(([statement]) => statement.sql).filter((sql) => !/pg_notify|lease_expires_at < \$2 ORDER BY/.test(sql));
      expect(statements.map((sql) => sql.slice(0, 40))).toEqual([
        expect.stringMatching(/^INSERT INTO mailroom_messages/),
        expect.stringMatching(/^WITH c AS MATERIALIZED \(SELECT ctid/),
        expect.stringMatching(/^UPDATE mailroom_messages/),
      ]);
    } finally {
      query.mockRestore();
    }
  });
});
