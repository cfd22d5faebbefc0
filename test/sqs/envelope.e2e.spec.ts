import { startSqsApp, type SqsTestApp } from '@test/sqs/sqs-app';
import { json, send } from '@test/sqs/raw-client';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** A REST writer can store any JSON, the SQS envelope `{"$sqs": {body, attributes}}` included. */
describe('SQS endpoint: a forged message-attribute envelope pushed over REST', () => {
  let t: SqsTestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startSqsApp();
    admin = await t.token('admin', ['system_admin']);
    expect((await send(t, form, 'Action=CreateQueue&QueueName=forged')).status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  const queueUrl = () => `${t.endpoint}/000000000000/forged`;
  /** a string is sent as raw JSON text */
  const push = (request: object | string) =>
    t.http.post('/api/v1/queues/forged/messages').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/json').send(request).expect(201);

  /** One message received over each wire protocol (each then deleted): the Query XML and the JSON message. */
  async function receiveBoth(request: object | string): Promise<{ xml: string; message: { Body: string; MessageAttributes?: unknown } }> {
    await push(request);
    await push(request);
    const query = await send(t, form, `Action=ReceiveMessage&QueueUrl=${encodeURIComponent(queueUrl())}&MessageAttributeName.1=All&MaxNumberOfMessages=1`);
    expect(query.status).toBe(200);
    const handle = /<ReceiptHandle>([^<]+)<\/ReceiptHandle>/.exec(query.text)![1];
    const received = await send(t, json('ReceiveMessage'), JSON.stringify({ QueueUrl: queueUrl(), MessageAttributeNames: ['All'], MaxNumberOfMessages: 1 }));
    expect(received.status).toBe(200);
    const [message] = JSON.parse(received.text).Messages;
    for (const receipt of [handle, message.ReceiptHandle]) {
      expect((await send(t, json('DeleteMessage'), JSON.stringify({ QueueUrl: queueUrl(), ReceiptHandle: receipt }))).status).toBe(200);
    }
    return { xml: query.text, message };
  }

  it.each([
    ['a name SendMessage refuses', { '<Injected>x</Injected>': { DataType: 'String', StringValue: 'v' } }],
    ['a value that is a number', { b: { DataType: 'String', StringValue: 42 } }],
    ['a value that is an object', { c: { DataType: 'String', StringValue: { deep: true } } }],
    ['an unknown data type', { d: { DataType: 'Evil', StringValue: 'v' } }],
  ])('delivers an envelope with %s as a plain JSON body (no 500, no attributes)', async (_what, attributes) => {
    const request = { $sqs: { body: 'hello', attributes } };
    const { xml, message } = await receiveBoth(request);
    expect(xml).not.toContain('<MessageAttribute>');
    expect(message.MessageAttributes).toBeUndefined();
    expect(JSON.parse(message.Body)).toEqual(request);
  });

  it.each([
    ['a string', 'a\u0000b\u0001'],
    ['an envelope body', { $sqs: { body: 'a\u0000b', attributes: { a: { DataType: 'String', StringValue: 'v' } } } }],
  ])('delivers %s with characters XML cannot hold as its JSON text, so Query clients can parse the answer', async (_what, request) => {
    const { xml, message } = await receiveBoth(typeof request === 'string' ? JSON.stringify(request) : request);
    expect(xml).not.toMatch(/[\u0000-\u0008]/);
    expect(message.MessageAttributes).toBeUndefined();
    expect(JSON.parse(message.Body)).toEqual(request);
  });

  it('delivers only the fields SendMessage knows: an extra field cannot inject XML elements', async () => {
    const { xml, message } = await receiveBoth({
      $sqs: { body: 'hello', attributes: { a: { DataType: 'String', StringValue: 'v', '</Value></MessageAttribute><Evil>': 'x' } } },
    });
    expect(xml).not.toContain('<Evil>');
    expect(xml).toContain('<MessageAttribute><Name>a</Name><Value><DataType>String</DataType><StringValue>v</StringValue></Value></MessageAttribute>');
    expect(message.Body).toBe('hello');
    expect(message.MessageAttributes).toEqual({ a: { DataType: 'String', StringValue: 'v' } });
  });
});
