import { startSqsApp, type SqsTestApp } from '@test/sqs/sqs-app';
import { json, send } from '@test/sqs/raw-client';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('SQS endpoint on the wire', () => {
  let t: SqsTestApp;

  beforeAll(async () => {
    t = await startSqsApp({ env: { RATE_LIMIT_PER_MINUTE: '40' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers the Query protocol in XML, errors included', async () => {
    const missing = await send(t, form, 'Action=GetQueueUrl&Version=2012-11-05&QueueName=nowhere');
    expect(missing.status).toBe(400);
    expect(missing.text).toMatch(
      /<ErrorResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>AWS.SimpleQueueService.NonExistentQueue<\/Code><Message>The specified queue does not exist.<\/Message>/,
    );
    const created = await send(t, form, 'Action=CreateQueue&Version=2012-11-05&QueueName=wire&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=12');
    expect(created.status).toBe(200);
    expect(created.text).toContain(
      `<CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><CreateQueueResult><QueueUrl>${t.endpoint}/000000000000/wire</QueueUrl></CreateQueueResult>`,
    );
  });

  it('answers the JSON protocol with the query-compatible error header', async () => {
    const missing = await send(t, json('GetQueueUrl'), '{"QueueName":"nowhere"}');
    expect(missing.status).toBe(400);
    expect(missing.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(JSON.parse(missing.text)).toEqual({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' });
  });

  it.each([
    ['malformed JSON', json('ListQueues'), '{"QueueNamePrefix":', 'InvalidParameterValue'],
    ['a JSON list', json('ListQueues'), '[]', 'InvalidParameterValue'],
    ['an unknown action', json('DoSomething'), '{}', 'InvalidAction'],
    ['a wrong content type', { 'content-type': 'text/plain', 'x-amz-target': 'AmazonSQS.ListQueues' }, '{}', 'InvalidParameterValue'],
    ['a wrongly typed parameter', json('ReceiveMessage'), `{"QueueUrl":"http://x/000000000000/wire","MaxNumberOfMessages":"lots"}`, 'InvalidParameterValue'],
    ['too many messages asked for', json('ReceiveMessage'), `{"QueueUrl":"http://x/000000000000/wire","MaxNumberOfMessages":11}`, 'InvalidParameterValue'],
    ['a prototype key', json('CreateQueue'), '{"QueueName":"p","Attributes":{"__proto__":"x"}}', 'InvalidAttributeName'],
  ])('answers %s with a 400, never a 500', async (_what, headers, body, type) => {
    const answer = await send(t, headers, body);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).__type).toBe(`com.amazonaws.sqs#${type}`);
  });

  it('refuses malformed Query parameter names', async () => {
    const answer = await send(t, form, 'Action=ListQueues&Attribute.0.Name=x');
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('<Code>InvalidParameterValue</Code>');
  });

  it('refuses an unsigned request, and a body over the limit before reading it', async () => {
    const unsigned = await send(t, json('ListQueues'), '{}', false);
    expect(unsigned.status).toBe(400);
    expect(JSON.parse(unsigned.text).__type).toBe('com.amazonaws.sqs#MissingParameter');
    const huge = 'x'.repeat(t.config.messageMaxBytes * 20 + 70_000);
    const tooLarge = await send(t, json('SendMessage'), JSON.stringify({ QueueUrl: `${t.endpoint}/000000000000/wire`, MessageBody: huge }), false);
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.text).__type).toBe('com.amazonaws.sqs#RequestEntityTooLarge');
  });

  it('counts requests per subject against RATE_LIMIT_PER_MINUTE', async () => {
    let last = { status: 0, text: '' };
    for (let i = 0; i < 45 && last.status !== 403; i++) last = await send(t, json('ListQueues'), '{}');
    expect(last.status).toBe(403);
    expect(JSON.parse(last.text).__type).toBe('com.amazonaws.sqs#RequestThrottled');
  });
});
