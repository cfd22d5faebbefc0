import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ADMIN, startSqsApp, type SqsTestApp } from '@test/sqs/sqs-app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '@test/support/databases';

function fifoSuite(engine: string, env: () => Promise<{ env: Record<string, string>; drop?: () => Promise<void> }>): void {
  describe(`SQS FIFO queues with @aws-sdk/client-sqs (${engine})`, () => {
    let t: SqsTestApp;
    let sqs: SQSClient;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const setup = await env();
      drop = setup.drop;
      t = await startSqsApp({ env: setup.env });
      sqs = t.client(ADMIN);
    });
    afterAll(async () => {
      await t?.close();
      await drop?.();
    });

    /** a new receive, as a client makes it: a fresh attempt id (the same one only when it retries) */
    const receive = async (QueueUrl: string | undefined, max = 10, attemptId: string = randomUUID()): Promise<Message[]> =>
      (
        await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: max, MessageSystemAttributeNames: ['All'], ReceiveRequestAttemptId: attemptId }),
        )
      ).Messages ?? [];
    const deleteAll = async (QueueUrl: string | undefined, messages: Message[]): Promise<void> => {
      const out = await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl, Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }),
      );
      expect(out.Failed ?? []).toEqual([]);
    };

    it('creates .fifo queues only with FifoQueue=true, reads the FIFO attributes back, refuses what it cannot do', async () => {
      await expect(sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
      await expect(sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { FifoQueue: 'true' } }))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: expect.stringContaining('.fifo'),
      });
      await expect(
        sqs.send(
          new CreateQueueCommand({
            QueueName: 'hi.fifo',
            Attributes: { FifoQueue: 'true', FifoThroughputLimit: 'perMessageGroupId', DeduplicationScope: 'messageGroup' },
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidAttributeValue' });
      await expect(sqs.send(new CreateQueueCommand({ QueueName: 'slow.fifo', Attributes: { FifoQueue: 'true', DelaySeconds: '5' } }))).rejects.toMatchObject({
        name: 'InvalidAttributeValue',
      });
      await expect(sqs.send(new CreateQueueCommand({ QueueName: 'std', Attributes: { ContentBasedDeduplication: 'true' } }))).rejects.toMatchObject({
        name: 'InvalidAttributeName',
      });
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true', DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' } }),
      );
      expect(QueueUrl).toBe(`${t.endpoint}/000000000000/jobs.fifo`);
      expect((await sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl).toBe(QueueUrl);
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { ContentBasedDeduplication: 'true' } }));
      await expect(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { FifoQueue: 'false' } }))).rejects.toMatchObject({
        name: 'InvalidAttributeValue',
      });
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
      expect(Attributes).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'true', DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' });
      const admin = await t.token('admin', ['system_admin']);
      const rest = await t.http.get('/api/v1/queues/jobs.fifo').set('Authorization', `Bearer ${admin}`).expect(200);
      expect(rest.body.ordering).toMatchObject({ mode: 'fifo', contentBasedDeduplication: true });
    });

    it('refuses a FIFO send without MessageGroupId, with its own DelaySeconds, or without any deduplication', async () => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'strict.fifo', Attributes: { FifoQueue: 'true' } }));
      await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageDeduplicationId: 'd' }))).rejects.toMatchObject({
        name: 'MissingParameter',
        message: expect.stringContaining('MessageGroupId'),
      });
      await expect(
        sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd', DelaySeconds: 5 })),
      ).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('DelaySeconds') });
      await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageGroupId: 'g' }))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: expect.stringContaining('ContentBasedDeduplication'),
      });
      await expect(
        sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageGroupId: 'with space', MessageDeduplicationId: 'd' })),
      ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
      const batch = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'ok', MessageBody: 'a', MessageGroupId: 'g', MessageDeduplicationId: 'a' },
            { Id: 'nogroup', MessageBody: 'b', MessageDeduplicationId: 'b' },
            { Id: 'delayed', MessageBody: 'c', MessageGroupId: 'g', MessageDeduplicationId: 'c', DelaySeconds: 3 },
          ],
        }),
      );
      expect(batch.Successful?.map((s) => s.Id)).toEqual(['ok']);
      expect(batch.Failed?.map((f) => [f.Id, f.Code]).sort()).toEqual([
        ['delayed', 'InvalidParameterValue'],
        ['nogroup', 'MissingParameter'],
      ]);
    });

    it('keeps order within a group across receives, one batch of a group in flight while another group proceeds', async () => {
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: 'orders.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }),
      );
      const sent: string[] = [];
      for (const group of ['A', 'B']) {
        const out = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl, Entries: [0, 1, 2, 3].map((i) => ({ Id: `m${i}`, MessageBody: `${group}${i}`, MessageGroupId: group })) }),
        );
        expect(out.Failed ?? []).toEqual([]);
        sent.push(...(out.Successful ?? []).map((s) => s.SequenceNumber!));
      }
      // sequence numbers: digit strings that increase with each message stored
      expect(sent.every((s) => /^\d+$/.test(s))).toBe(true);
      for (let i = 1; i < sent.length; i++) expect(BigInt(sent[i]) >= BigInt(sent[i - 1])).toBe(true);
      expect(new Set(sent).size).toBe(sent.length);

      const first = await receive(QueueUrl, 2);
      expect(first.map((m) => m.Body)).toEqual(['A0', 'A1']);
      expect(first[0].Attributes).toMatchObject({ MessageGroupId: 'A', SequenceNumber: sent[0], ApproximateReceiveCount: '1' });
      // group A is in flight: only B comes, in its order
      const second = await receive(QueueUrl);
      expect(second.map((m) => m.Body)).toEqual(['B0', 'B1', 'B2', 'B3']);
      expect(await receive(QueueUrl)).toEqual([]);
      await deleteAll(QueueUrl, second);
      // A0 returned (visibility 0): it comes again before the rest of A; A1 still in flight holds the group
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries: [{ Id: 'x', ReceiptHandle: first[0].ReceiptHandle, VisibilityTimeout: 0 }] }),
      );
      expect(await receive(QueueUrl)).toEqual([]);
      await deleteAll(QueueUrl, [first[1]]);
      const third = await receive(QueueUrl);
      expect(third.map((m) => m.Body)).toEqual(['A0', 'A2', 'A3']);
      expect(third[0].Attributes?.ApproximateReceiveCount).toBe('2');
      await deleteAll(QueueUrl, third);
      expect(await receive(QueueUrl)).toEqual([]);
    });

    it('deduplicates by MessageDeduplicationId and by content within the window, answering the first message', async () => {
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: 'dedup.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }),
      );
      const one = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'pay 10', MessageGroupId: 'g', MessageDeduplicationId: 'order-1' }));
      const again = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'pay 10 (retry)', MessageGroupId: 'g', MessageDeduplicationId: 'order-1' }));
      expect(again).toMatchObject({ MessageId: one.MessageId, SequenceNumber: one.SequenceNumber });
      const byContent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"pay":20}', MessageGroupId: 'g' }));
      const sameContent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"pay":20}', MessageGroupId: 'other' }));
      expect(sameContent.MessageId).toBe(byContent.MessageId);
      const batch = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'x', MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'twice' },
            { Id: 'y', MessageBody: 'y', MessageGroupId: 'g', MessageDeduplicationId: 'twice' },
            { Id: 'z', MessageBody: 'pay 10', MessageGroupId: 'g', MessageDeduplicationId: 'order-1' },
          ],
        }),
      );
      const ids = Object.fromEntries((batch.Successful ?? []).map((s) => [s.Id, s.MessageId]));
      expect(ids.y).toBe(ids.x);
      expect(ids.z).toBe(one.MessageId);
      const got = await receive(QueueUrl);
      expect(got.map((m) => m.Body)).toEqual(['pay 10', '{"pay":20}', 'x']);
      // the deduplication id as sent, or the content hash Mailroom deduplicated by
      expect(got.map((m) => m.Attributes?.MessageDeduplicationId)).toEqual(['order-1', expect.stringMatching(/^[0-9a-f]{64}$/), 'twice']);
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl,
          Entries: got.map((m, n) => ({ Id: `v${n}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
      const named = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['MessageDeduplicationId'], MaxNumberOfMessages: 10 }));
      expect(named.Messages?.map((m) => m.Attributes)).toEqual([{ MessageDeduplicationId: 'order-1' }, expect.anything(), { MessageDeduplicationId: 'twice' }]);
    });

    it('answers a retried receive (same ReceiveRequestAttemptId) with the same messages and receipt handles while they are in flight', async () => {
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: 'retried.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }),
      );
      for (const group of ['A', 'B']) {
        await sqs.send(
          new SendMessageBatchCommand({ QueueUrl, Entries: [0, 1].map((i) => ({ Id: `m${i}`, MessageBody: `${group}${i}`, MessageGroupId: group })) }),
        );
      }
      const first = await receive(QueueUrl, 2, 'lost-answer');
      expect(first.map((m) => m.Body)).toEqual(['A0', 'A1']);
      const retried = await receive(QueueUrl, 2, 'lost-answer');
      expect(retried.map((m) => [m.MessageId, m.ReceiptHandle])).toEqual(first.map((m) => [m.MessageId, m.ReceiptHandle]));
      expect(retried[0].Attributes).toMatchObject({ MessageGroupId: 'A', ApproximateReceiveCount: '1' });
      // another attempt is another receive: group A is in flight, B comes
      const other = await receive(QueueUrl, 2, 'next');
      expect(other.map((m) => m.Body)).toEqual(['B0', 'B1']);
      // one of them deleted: the attempt cannot be replayed, the receive runs afresh (nothing deliverable now)
      await deleteAll(QueueUrl, [first[0]]);
      expect(await receive(QueueUrl, 2, 'lost-answer')).toEqual([]);
      await deleteAll(QueueUrl, [first[1], ...other]);
    });
  });
}

fifoSuite('filesystem', async () => ({ env: {} }));

describeWithDatabase('postgres', 'SQS FIFO on Postgres', () => {
  let database: IsolatedDatabase;
  fifoSuite('postgres', async () => {
    database = await isolatedDatabase('postgres');
    return { env: { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: database.host }, drop: () => database.drop() };
  });
});
