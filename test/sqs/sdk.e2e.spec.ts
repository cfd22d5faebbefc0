import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ADMIN, NOBODY, READER, WRITER, startSqsApp, type SqsTestApp } from '@test/sqs/sqs-app';

describe('SQS endpoint with @aws-sdk/client-sqs (JSON protocol)', () => {
  let t: SqsTestApp;
  let sqs: SQSClient;

  beforeAll(async () => {
    t = await startSqsApp();
    sqs = t.client(ADMIN);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function receiveAll(
    url: string,
    count: number,
    wait = 5,
  ): Promise<
    Array<{ Body?: string; ReceiptHandle?: string; MessageId?: string; Attributes?: Record<string, string>; MessageAttributes?: Record<string, unknown> }>
  > {
    const got = [];
    while (got.length < count) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: wait,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (!Messages.length) break;
      got.push(...Messages);
    }
    return got;
  }

  it('creates a queue, sends with attributes of every type, receives, deletes', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '45', DelaySeconds: '0' }, tags: { team: 'billing' } }),
    );
    expect(QueueUrl).toBe(`${t.endpoint}/000000000000/orders`);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }))).QueueUrl).toBe(QueueUrl);
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'hello ✓ world',
        MessageAttributes: {
          text: { DataType: 'String', StringValue: 'value' },
          count: { DataType: 'Number.int', StringValue: '42' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]) },
        },
      }),
    );
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const [message] = await receiveAll(QueueUrl!, 1);
    expect(message.Body).toBe('hello ✓ world');
    expect(message.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: 'sqs-admin' });
    expect(Number(message.Attributes!.SentTimestamp)).toBeGreaterThan(0);
    expect(message.MessageAttributes).toEqual({
      text: { DataType: 'String', StringValue: 'value' },
      count: { DataType: 'Number.int', StringValue: '42' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    });
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(attributes.Attributes).toMatchObject({
      VisibilityTimeout: '45',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:orders',
    });
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ team: 'billing' });
  });

  it('sends and deletes in batches, each entry answered on its own', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'batch' }));
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: '{"n":1}' },
          { Id: 'b', MessageBody: 'two', DelaySeconds: 0 },
          { Id: 'c', MessageBody: 'bad', MessageAttributes: { 'AWS.reserved': { DataType: 'String', StringValue: 'x' } } },
        ],
      }),
    );
    expect(sent.Successful!.map((s) => s.Id).sort()).toEqual(['a', 'b']);
    expect(sent.Failed).toEqual([expect.objectContaining({ Id: 'c', Code: 'InvalidParameterValue', SenderFault: true })]);
    const got = await receiveAll(QueueUrl!, 2);
    expect(got.map((m) => m.Body).sort()).toEqual(['two', '{"n":1}']);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [...got.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })), { Id: 'junk', ReceiptHandle: 'not-a-handle' }],
      }),
    );
    expect(deleted.Successful!.map((s) => s.Id).sort()).toEqual(['m0', 'm1']);
    expect(deleted.Failed).toEqual([expect.objectContaining({ Id: 'junk', Code: 'ReceiptHandleIsInvalid' })]);
    // a REST consumer sees the JSON body as JSON
    const rest = await t.http.get('/api/v1/queues/batch/messages').set('Authorization', `Bearer ${await t.token('admin', ['system_admin'])}`);
    expect(rest.body.items.map((m: { request: unknown }) => m.request)).toEqual(expect.arrayContaining([{ n: 1 }, 'two']));
  });

  it('refuses batches SQS refuses, with its error names', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'batch-errors' }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] }))).rejects.toMatchObject({ name: 'EmptyBatchRequest' });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: eleven }))).rejects.toMatchObject({ name: 'TooManyEntriesInBatchRequest' });
    await expect(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'x', MessageBody: '1' },
            { Id: 'x', MessageBody: '2' },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'no spaces', MessageBody: '1' }] }))).rejects.toMatchObject({
      name: 'InvalidBatchEntryId',
    });
  });

  it('answers QueueDoesNotExist, ReceiptHandleIsInvalid, QueueNameExists, and FIFO parameters on a standard queue', async () => {
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'missing' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: `${t.endpoint}/000000000000/missing`, MessageBody: 'x' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'strict', Attributes: { VisibilityTimeout: '10' } }));
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'garbage!' }))).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'strict', Attributes: { VisibilityTimeout: '11' } }))).rejects.toMatchObject({
      name: 'QueueNameExists',
    });
    expect((await sqs.send(new CreateQueueCommand({ QueueName: 'strict', Attributes: { VisibilityTimeout: '10' } }))).QueueUrl).toBe(QueueUrl);
    await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageGroupId: 'g' }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('MessageGroupId'),
    });
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'odd', Attributes: { Colour: 'blue' } as Record<string, string> }))).rejects.toMatchObject({
      name: 'InvalidAttributeName',
    });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'bad \u0001 char' }))).rejects.toMatchObject({ name: 'InvalidMessageContents' });
  });

  it('refuses a message that breaks the queue schema, naming the failure', async () => {
    const admin = await t.token('admin', ['system_admin']);
    await t.http
      .post('/api/v1/queues')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'typed', incoming: { schema: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } } } })
      .expect(201);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'typed' }));
    await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"qty":1}' }))).rejects.toMatchObject({
      name: 'InvalidMessageContents',
      message: expect.stringContaining('sku'),
    });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'not json' }))).rejects.toMatchObject({
      name: 'InvalidMessageContents',
      message: expect.stringContaining('JSON Schema'),
    });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{ "sku": "A-1" }' }));
    const [message] = await receiveAll(QueueUrl!, 1);
    expect(JSON.parse(message.Body!)).toEqual({ sku: 'A-1' });
  });

  it('REST pushes are received over SQS and SQS sends are received over REST', async () => {
    const admin = await t.token('admin', ['system_admin']);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'mixed' }));
    await t.http.post('/api/v1/queues/mixed/messages').set('Authorization', `Bearer ${admin}`).send({ from: 'rest' }).expect(201);
    const [fromRest] = await receiveAll(QueueUrl!, 1);
    expect(JSON.parse(fromRest.Body!)).toEqual({ from: 'rest' });
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: fromRest.ReceiptHandle }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"from":"sqs"}' }));
    const received = await t.http.post('/api/v1/queues/mixed/messages/receive').set('Authorization', `Bearer ${admin}`).send({ maxMessages: 1 }).expect(200);
    expect(received.body.messages).toEqual([expect.objectContaining({ request: { from: 'sqs' } })]);
  });

  it('changes visibility: 0 makes a message visible at once, with a new receipt handle and the receive counted', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'visibility', Attributes: { VisibilityTimeout: '600' } }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'again' }));
    const [first] = await receiveAll(QueueUrl!, 1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }))).Messages).toBeUndefined();
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }));
    const [second] = await receiveAll(QueueUrl!, 1);
    expect(second.MessageId).toBe(first.MessageId);
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);
    expect(second.Attributes!.ApproximateReceiveCount).toBe('2');
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle }))).rejects.toMatchObject({
      name: 'ReceiptHandleIsInvalid',
    });
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second.ReceiptHandle }));
  });

  it('redrives to the dead-letter queue after maxReceiveCount receives', async () => {
    const { QueueUrl: dlq } = await sqs.send(new CreateQueueCommand({ QueueName: 'work-dlq' }));
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'work',
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:work-dlq', maxReceiveCount: 2 }) },
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    for (let i = 1; i <= 2; i++) {
      const [message] = await receiveAll(QueueUrl!, 1);
      expect(message.Attributes!.ApproximateReceiveCount).toBe(String(i));
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
    }
    const [dead] = await receiveAll(dlq!, 1);
    expect(dead.Body).toBe('poison');
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }))).queueUrls).toEqual([QueueUrl]);
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['RedrivePolicy'] }));
    expect(JSON.parse(attributes.Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:work-dlq',
      maxReceiveCount: 2,
    });
  });

  it('long-polls: a receive waiting on an empty queue answers when a message arrives', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'longpoll' }));
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' }));
    const { Messages } = await waiting;
    expect(Messages?.[0].Body).toBe('late');
  });

  it('sets attributes, tags, lists with prefix and paging, purges and deletes queues', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const first = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2 }));
    expect(first.QueueUrls).toEqual([`${t.endpoint}/000000000000/page-a`, `${t.endpoint}/000000000000/page-b`]);
    const second = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2, NextToken: first.NextToken }));
    expect(second.QueueUrls).toEqual([`${t.endpoint}/000000000000/page-c`]);
    expect(second.NextToken).toBeUndefined();
    const QueueUrl = `${t.endpoint}/000000000000/page-a`;
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl, Attributes: { DelaySeconds: '5', ReceiveMessageWaitTimeSeconds: '3', MessageRetentionPeriod: '86400' } }),
    );
    expect(
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['DelaySeconds', 'ReceiveMessageWaitTimeSeconds', 'MessageRetentionPeriod'] })))
        .Attributes,
    ).toEqual({
      DelaySeconds: '5',
      ReceiveMessageWaitTimeSeconds: '3',
      MessageRetentionPeriod: '86400',
    });
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { a: '1', b: '2' } }));
    await sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['a'] }));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ b: '2' });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: '1', MessageBody: 'x' },
          { Id: '2', MessageBody: 'y' },
        ],
      }),
    );
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes).toEqual({
      ApproximateNumberOfMessages: '2',
    });
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
    });
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'page-a' }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });

  it('applies roles as the REST API does', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'guarded' }));
    const writer = t.client(WRITER);
    const reader = t.client(READER);
    const nobody = t.client(NOBODY);
    await writer.send(new SendMessageCommand({ QueueUrl, MessageBody: 'from writer' }));
    await expect(writer.send(new ReceiveMessageCommand({ QueueUrl }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(writer.send(new CreateQueueCommand({ QueueName: 'writer-made' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(reader.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    const { Messages } = await reader.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
    expect(Messages?.[0].Body).toBe('from writer');
    await expect(reader.send(new DeleteQueueCommand({ QueueUrl }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(nobody.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect((await nobody.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
  });

  it('refuses an unknown access key and a wrong secret', async () => {
    const unknown = t.client({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'whatever-secret-0123456789' });
    await expect(unknown.send(new ListQueuesCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    const wrong = t.client({ accessKeyId: ADMIN.accessKeyId, secretAccessKey: 'not-the-right-secret-0123' });
    await expect(wrong.send(new ListQueuesCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });
});
