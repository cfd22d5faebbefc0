import { normalizeQueueDefinition } from '@app/queues/queue-definition';
import { SqsError } from '@app/sqs/sqs-error';
import { fromStoredRequest, md5OfAttributes, selectAttributes, toStoredRequest, validateAttributes } from '@app/sqs/sqs-message-codec';

const plain = normalizeQueueDefinition({ name: 'plain' }, 0);
const typed = normalizeQueueDefinition({ name: 'typed', incoming: { schema: { type: 'object' } } }, 0);

describe('MD5OfMessageAttributes', () => {
  // published vectors: the AWS documentation's example, localstack's and sqslite's tests
  it.each([
    [{ SellerName: { DataType: 'String', StringValue: 'Example Store' } }, 'cd28f3b68aeee4b2eac9c66f2f694b58'],
    [{ timestamp: { DataType: 'Number', StringValue: '1493147359900' } }, '235c5c510d26fb653d073faed50ae77c'],
    [{ ordinal: { DataType: 'Number', StringValue: '1' }, category: { DataType: 'String', StringValue: 'test' } }, 'd21ae90c49061e927f57df5f5d72be1f'],
  ])('matches SQS for %j', (attributes, md5) => {
    expect(md5OfAttributes(attributes)).toBe(md5);
  });

  it('encodes binary values with transport type 2 and is absent without attributes', () => {
    const text = md5OfAttributes({ b: { DataType: 'Binary', BinaryValue: Buffer.from('x').toString('base64') } });
    const asString = md5OfAttributes({ b: { DataType: 'Binary', StringValue: 'x' } });
    expect(text).toMatch(/^[0-9a-f]{32}$/);
    expect(text).not.toBe(asString);
    expect(md5OfAttributes({})).toBeUndefined();
  });
});

describe('message attributes', () => {
  it('accepts every type, custom types included', () => {
    const { attributes } = validateAttributes({
      s: { DataType: 'String', StringValue: 'v' },
      n: { DataType: 'Number.int', StringValue: '-12.5e3' },
      b: { DataType: 'Binary.png', BinaryValue: 'AAEC' },
    });
    expect(Object.keys(attributes)).toEqual(['s', 'n', 'b']);
  });

  it.each([
    [{ 'AWS.x': { DataType: 'String', StringValue: 'v' } }],
    [JSON.parse('{"__proto__": {"DataType": "String", "StringValue": "v"}}')],
    [{ 'a..b': { DataType: 'String', StringValue: 'v' } }],
    [{ x: { DataType: 'Text', StringValue: 'v' } }],
    [{ x: { DataType: 'Number', StringValue: 'twelve' } }],
    [{ x: { DataType: 'Binary', StringValue: 'v' } }],
    [{ x: { DataType: 'String', StringValue: '' } }],
    [Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]))],
  ])('refuses %j with InvalidParameterValue', (raw) => {
    expect(() => validateAttributes(raw)).toThrow(expect.objectContaining({ type: 'InvalidParameterValue' }));
  });
});

describe('bodies', () => {
  it('stores compact JSON as JSON and anything else as the exact string', () => {
    expect(toStoredRequest(plain, '{"a":1}', {})).toEqual({ a: 1 });
    expect(toStoredRequest(plain, '{ "a": 1 }', {})).toBe('{ "a": 1 }');
    expect(toStoredRequest(plain, '42', {})).toBe('42');
    expect(toStoredRequest(plain, '{"big":12345678901234567890}', {})).toBe('{"big":12345678901234567890}');
    expect(toStoredRequest(plain, '{"$sqs":{"body":"x","attributes":{}}}', {})).toBe('{"$sqs":{"body":"x","attributes":{}}}');
  });

  it('keeps a deeply nested JSON body as text instead of recursing through it', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(toStoredRequest(plain, deep, {})).toBe(deep);
  });

  it('round-trips every body, with and without attributes', () => {
    const attributes = { k: { DataType: 'String', StringValue: 'v' } };
    for (const body of ['{"a":1}', '{ "a": 1 }', 'plain text', '"quoted"', '[1,2]', '{"$sqs":{"body":"x","attributes":{}}}']) {
      expect(fromStoredRequest(toStoredRequest(plain, body, {}))).toEqual({ body, attributes: {} });
      expect(fromStoredRequest(toStoredRequest(plain, body, attributes))).toEqual({ body, attributes });
    }
  });

  it('gives REST messages to SQS as JSON text', () => {
    expect(fromStoredRequest({ a: [1, 2] })).toEqual({ body: '{"a":[1,2]}', attributes: {} });
    expect(fromStoredRequest('text')).toEqual({ body: 'text', attributes: {} });
    expect(fromStoredRequest(null)).toEqual({ body: 'null', attributes: {} });
  });

  it('on a queue with a schema, needs JSON and refuses attributes', () => {
    expect(toStoredRequest(typed, '{ "a": 1 }', {})).toEqual({ a: 1 });
    expect(() => toStoredRequest(typed, 'nope', {})).toThrow(SqsError);
    expect(() => toStoredRequest(typed, 'nope', {})).toThrow(expect.objectContaining({ type: 'InvalidMessageContents' }));
    expect(() => toStoredRequest(typed, '{}', { k: { DataType: 'String', StringValue: 'v' } })).toThrow(
      expect.objectContaining({ type: 'UnsupportedOperation' }),
    );
  });

  it('selects attributes by All, exact name and prefix.*', () => {
    const all = {
      'a.x': { DataType: 'String', StringValue: '1' },
      'a.y': { DataType: 'String', StringValue: '2' },
      b: { DataType: 'String', StringValue: '3' },
    };
    expect(Object.keys(selectAttributes(all, ['All']))).toEqual(['a.x', 'a.y', 'b']);
    expect(Object.keys(selectAttributes(all, ['a.*']))).toEqual(['a.x', 'a.y']);
    expect(Object.keys(selectAttributes(all, ['b']))).toEqual(['b']);
    expect(selectAttributes(all, [])).toEqual({});
  });
});
