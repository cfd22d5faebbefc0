import { SqsError } from '@app/sqs/sqs-error';
import { errorResponse, queryToInput, successResponse } from '@app/sqs/sqs-protocol';

describe('Query protocol input', () => {
  it('turns flattened lists and maps into the JSON protocol shape', () => {
    const params = new URLSearchParams(
      'Action=SendMessageBatch&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fq' +
        '&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two' +
        '&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one&SendMessageBatchRequestEntry.1.DelaySeconds=3' +
        '&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String' +
        '&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v',
    );
    expect(queryToInput(params)).toEqual({
      action: 'SendMessageBatch',
      input: {
        QueueUrl: 'http://h/000000000000/q',
        Entries: [
          { Id: 'a', MessageBody: 'one', DelaySeconds: '3', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
          { Id: 'b', MessageBody: 'two' },
        ],
      },
    });
  });

  it('reads attribute maps, name lists and tags', () => {
    const params = new URLSearchParams(
      'Action=CreateQueue&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&Tag.1.Key=team&Tag.1.Value=ops&AttributeName.1=All',
    );
    expect(queryToInput(params).input).toEqual({ QueueName: 'q', Attributes: { VisibilityTimeout: '5' }, Tags: { team: 'ops' }, AttributeNames: ['All'] });
  });

  it('keeps a map key named __proto__ as a plain key (refused by name later), never as a prototype', () => {
    const { input } = queryToInput(new URLSearchParams('Action=CreateQueue&QueueName=q&Attribute.1.Name=__proto__&Attribute.1.Value=x'));
    const attributes = input.Attributes as Record<string, unknown>;
    expect(Object.keys(attributes)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
  });

  it.each([`${'a.'.repeat(100_000)}b=1`, 'a..b=1', '__proto__.x=1', 'AttributeName.0=x', 'AttributeName.100000=x', 'QueueName=a&QueueName.x=b'])(
    'refuses the malformed %s',
    (query) => {
      expect(() => queryToInput(new URLSearchParams(query))).toThrow(expect.objectContaining({ type: 'InvalidParameterValue' }));
    },
  );
});

describe('answers', () => {
  it('writes Query results as XML, flattening lists, maps and batch entries', () => {
    const { body } = successResponse('query', 'SendMessageBatch', {
      Successful: [{ Id: 'a', MessageId: 'm', MD5OfMessageBody: 'x' }],
      Failed: [{ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue', Message: '<bad>' }],
    });
    expect(body).toContain('<SendMessageBatchResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><SendMessageBatchResult>');
    expect(body).toContain(
      '<SendMessageBatchResultEntry><Id>a</Id><MessageId>m</MessageId><MD5OfMessageBody>x</MD5OfMessageBody></SendMessageBatchResultEntry>',
    );
    expect(body).toContain(
      '<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code><Message>&lt;bad&gt;</Message></BatchResultErrorEntry>',
    );
    const attributes = successResponse('query', 'GetQueueAttributes', { Attributes: { VisibilityTimeout: '30' } }).body;
    expect(attributes).toContain('<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute>');
    expect(successResponse('query', 'DeleteQueue', null).body).toMatch(/^<\?xml version="1.0"\?><DeleteQueueResponse [^>]+><ResponseMetadata><RequestId>/);
  });

  it('writes errors in both shapes, with the query error header the SDKs read', () => {
    const error = new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    const json = errorResponse('json', error);
    expect(json.status).toBe(400);
    expect(json.headers['x-amzn-query-error']).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(JSON.parse(json.body)).toEqual({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' });
    const xml = errorResponse('query', error).body;
    expect(xml).toContain(
      '<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>',
    );
  });
});
