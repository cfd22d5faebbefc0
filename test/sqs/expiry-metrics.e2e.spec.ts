import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ManualClock } from '@test/support/time';
import { ADMIN, startSqsApp, type SqsTestApp } from '@test/sqs/sqs-app';

function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('SQS endpoint: visibility expiry on the app clock, and metrics', () => {
  const clock = new ManualClock(Date.now());
  let t: SqsTestApp;
  let sqs: SQSClient;

  beforeAll(async () => {
    t = await startSqsApp({ clock });
    sqs = t.client(ADMIN);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('redelivers a message whose visibility timeout ran out, with a new receipt handle', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'expiring', Attributes: { VisibilityTimeout: '30' } }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'once more' }));
    const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages![0];
    clock.advance(29_000);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    clock.advance(2_000);
    const second = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages![0];
    expect(second.MessageId).toBe(first.MessageId);
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);
    expect(second.Attributes).toEqual({ ApproximateReceiveCount: '2' });
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle }))).rejects.toMatchObject({
      name: 'ReceiptHandleIsInvalid',
    });
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second.ReceiptHandle }));
  });

  it('visibility 0 makes a message visible within the same millisecond (clock standing still), on a FIFO queue too', async () => {
    for (const [QueueName, extra] of [
      ['still', {}],
      ['still.fifo', { MessageGroupId: 'g', MessageDeduplicationId: 'd' }],
    ] as const) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName, Attributes: QueueName.endsWith('.fifo') ? { FifoQueue: 'true' } : {} }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'again', ...extra }));
      const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages![0];
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }));
      const again = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages ?? [];
      expect(again.map((m) => [m.MessageId, m.Attributes?.ApproximateReceiveCount])).toEqual([[first.MessageId, '2']]);
    }
  });

  it('counts SQS traffic in the same metrics as REST', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'counted' }));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'a' },
          { Id: 'b', MessageBody: 'b' },
        ],
      }),
    );
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(Messages).toHaveLength(2);
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0].ReceiptHandle }));
    const text = (await t.http.get('/metrics').expect(200)).text;
    expect(sample(text, 'mailroom_messages_pushed_total', { queue: 'counted' })).toBe(2);
    expect(sample(text, 'mailroom_messages_delivered_total', { queue: 'counted', via: 'receive' })).toBe(2);
    expect(sample(text, 'mailroom_messages_acked_total', { queue: 'counted', outcome: 'complete' })).toBe(1);
  });
});
