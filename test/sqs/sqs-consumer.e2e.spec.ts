import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { Producer } from 'sqs-producer';
import { ADMIN, startSqsApp, type SqsTestApp } from '@test/sqs/sqs-app';

/** Resolves once `count` items were seen (the consumer's own polling paces it; no sleeps). */
function collector<T>(count: number): { items: T[]; add: (item: T) => void; done: Promise<void> } {
  const items: T[] = [];
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    items,
    add: (item) => {
      items.push(item);
      if (items.length >= count) finish();
    },
    done,
  };
}

describe('SQS endpoint with sqs-producer and sqs-consumer', () => {
  let t: SqsTestApp;
  let sqs: SQSClient;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    t = await startSqsApp();
    sqs = t.client(ADMIN);
  });
  afterAll(async () => {
    for (const consumer of consumers) consumer.stop({ abort: true });
    await t?.close();
  });

  it('a producer sends batches that a batch consumer receives and deletes', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'produced' }));
    const producer = Producer.create({ queueUrl: QueueUrl!, sqs });
    await producer.send(
      Array.from({ length: 23 }, (_, i) => ({
        id: `m${i}`,
        body: JSON.stringify({ n: i }),
        messageAttributes: { n: { DataType: 'Number', StringValue: String(i) } },
      })),
    );
    expect(await producer.queueSize()).toBe(23);

    const seen = collector<Message>(23);
    const consumer = Consumer.create({
      queueUrl: QueueUrl!,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      messageAttributeNames: ['All'],
      handleMessageBatch: async (messages) => messages,
    });
    consumers.push(consumer);
    const errors: Error[] = [];
    consumer.on('error', (error) => errors.push(error));
    consumer.on('message_processed', seen.add);
    consumer.start();
    await seen.done;
    consumer.stop({ abort: true });
    expect(errors).toEqual([]);
    expect(seen.items.map((m) => JSON.parse(m.Body!).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(seen.items.every((m) => m.MessageAttributes?.n.StringValue === String(JSON.parse(m.Body!).n))).toBe(true);
    const counts = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(counts.Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('a failing handler with terminateVisibilityTimeout retries the message until it is redriven', async () => {
    const { QueueUrl: dlq } = await sqs.send(new CreateQueueCommand({ QueueName: 'failing-dlq' }));
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'failing',
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:failing-dlq', maxReceiveCount: 3 }) },
      }),
    );
    await Producer.create({ queueUrl: QueueUrl!, sqs }).send(['doomed']);
    const attempts = collector<string>(3);
    const consumer = Consumer.create({
      queueUrl: QueueUrl!,
      sqs,
      waitTimeSeconds: 1,
      terminateVisibilityTimeout: true,
      messageSystemAttributeNames: ['ApproximateReceiveCount'],
      handleMessage: async (message) => {
        attempts.add(message.Attributes!.ApproximateReceiveCount!);
        throw new Error('cannot handle');
      },
    });
    consumers.push(consumer);
    consumer.on('error', () => undefined);
    consumer.on('processing_error', () => undefined);
    consumer.start();
    await attempts.done;
    // the consumer keeps running: its third failure returns the message, which then moves to the dead-letter queue
    let dead: Message[] = [];
    for (let i = 0; i < 10 && !dead.length; i++) dead = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 1 }))).Messages ?? [];
    consumer.stop({ abort: true });
    expect(attempts.items).toEqual(['1', '2', '3']);
    expect(dead.map((m) => m.Body)).toEqual(['doomed']);
  });
});
