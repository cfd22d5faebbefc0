import * as http from 'node:http';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { startSqsApp, type SqsTestApp } from '@test/sqs/sqs-app';
import { json, send } from '@test/sqs/raw-client';

const AMZ_DATE = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const authorization = (accessKeyId: string, date: string) =>
  `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date.slice(0, 8)}/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;

/**
 * Sends the headers and the first bytes of a body declared to be 1 MB, and never the rest: the
 * answer must come without the body, or the server waited for (and would parse) an unauthenticated body.
 */
function answerWithoutBody(
  t: SqsTestApp,
  headers: Record<string, string>,
  path = '/',
): Promise<{ status: number; text: string; connection: string | undefined }> {
  const url = new URL(t.endpoint);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, method: 'POST', path, headers: { 'content-length': String(1_000_000), ...headers } });
    const noAnswer = setTimeout(() => {
      request.destroy();
      reject(new Error('no answer before the body was complete'));
    }, 5_000);
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        clearTimeout(noAnswer);
        request.destroy();
        resolve({ status: response.statusCode ?? 0, text, connection: response.headers.connection });
      });
    });
    request.on('error', () => undefined);
    request.write('{"QueueName":"');
  });
}

describe('SQS endpoint: unauthenticated requests are refused before their body is read', () => {
  let t: SqsTestApp;

  beforeAll(async () => {
    t = await startSqsApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = json('CreateQueue');

  it.each([
    ['an unsigned request', () => create, 400, 'MissingParameter', '/'],
    [
      'an unknown access key',
      () => ({ ...create, 'x-amz-date': AMZ_DATE(), authorization: authorization('AKIDUNKNOWN', AMZ_DATE()) }),
      403,
      'InvalidClientTokenId',
      '/',
    ],
    ['a malformed Authorization header', () => ({ ...create, authorization: 'AWS4-HMAC-SHA256 nonsense' }), 400, 'IncompleteSignature', '/'],
    [
      'a signing time years away',
      () => ({ ...create, 'x-amz-date': '20200101T000000Z', authorization: authorization('AKIDADMIN', '20200101T000000Z') }),
      403,
      'SignatureDoesNotMatch',
      '/',
    ],
    ['a presigned URL without a credential', () => create, 400, 'IncompleteSignature', '/?X-Amz-Signature=00'],
  ])('answers %s at once, and closes the connection', async (_what, headers, status, type, path) => {
    const answer = await answerWithoutBody(t, headers(), path);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.text).__type).toBe(`com.amazonaws.sqs#${type}`);
    expect(answer.connection).toBe('close');
  });

  it('still reads, verifies and answers a signed request as before', async () => {
    await expect(t.client().send(new ListQueuesCommand({}))).resolves.toBeDefined();
  });
});

describe('SQS endpoint: failed authentications count against the client address', () => {
  let t: SqsTestApp;

  beforeAll(async () => {
    t = await startSqsApp({ env: { AUTH_FAILURE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers RequestThrottled past AUTH_FAILURE_LIMIT_PER_MINUTE, while a signed request still works', async () => {
    const unsigned = () => send(t, json('ListQueues'), '{}', false);
    for (let i = 0; i < 3; i++) expect(JSON.parse((await unsigned()).text).__type).toBe('com.amazonaws.sqs#MissingParameter');
    const throttled = await unsigned();
    expect(throttled.status).toBe(403);
    expect(JSON.parse(throttled.text)).toEqual({
      __type: 'com.amazonaws.sqs#RequestThrottled',
      message: expect.stringMatching(/^Too many failed authentications from this address; retry in \d+ s$/),
    });
    await expect(t.client().send(new ListQueuesCommand({}))).resolves.toBeDefined();
  });
});
