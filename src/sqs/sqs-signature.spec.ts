import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { SignatureVerifier, type ReceivedRequest } from '@app/sqs/sqs-signature';
import { Sha256 } from '@test/sqs/client-sha256';

const KEY = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-0123456789', subject: 'alice', roles: ['system_admin'] };
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

const signer = (secret = KEY.secretAccessKey, accessKeyId = KEY.accessKeyId) =>
  new SignatureV4({ credentials: { accessKeyId, secretAccessKey: secret }, region: 'eu-west-1', service: 'sqs', sha256: Sha256 });

const BODY = '{"QueueName":"q"}';

async function signed(options: { secret?: string; accessKeyId?: string; at?: number } = {}): Promise<ReceivedRequest> {
  const request = await signer(options.secret, options.accessKeyId).sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: 'localhost',
      port: 9324,
      path: '/',
      query: {},
      headers: { host: 'localhost:9324', 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.CreateQueue' },
      body: BODY,
    },
    { signingDate: new Date(options.at ?? NOW) },
  );
  return {
    method: 'POST',
    path: '/',
    rawQuery: '',
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(BODY),
  };
}

describe('SignatureVerifier', () => {
  const verifier = new SignatureVerifier([KEY], () => NOW);

  it('accepts a request the SDK signer signed, and answers its credential', async () => {
    await expect(verifier.verify(await signed())).resolves.toMatchObject({ subject: 'alice' });
  });

  it('refuses a wrong secret, a changed body, header or target', async () => {
    await expect(verifier.verify(await signed({ secret: 'another-secret-0123456789' }))).rejects.toMatchObject({ type: 'SignatureDoesNotMatch' });
    const tampered = await signed();
    await expect(verifier.verify({ ...tampered, body: Buffer.from('{"QueueName":"r"}') })).rejects.toMatchObject({ type: 'SignatureDoesNotMatch' });
    await expect(verifier.verify({ ...tampered, headers: { ...tampered.headers, 'x-amz-target': 'AmazonSQS.DeleteQueue' } })).rejects.toMatchObject({
      type: 'SignatureDoesNotMatch',
    });
    await expect(
      verifier.verify({ ...tampered, headers: { ...tampered.headers, 'x-amz-content-sha256': createHash('sha256').update('other').digest('hex') } }),
    ).rejects.toMatchObject({
      type: 'SignatureDoesNotMatch',
    });
  });

  it('refuses an unknown key, an unsigned request, and a time more than 15 minutes off', async () => {
    await expect(verifier.verify(await signed({ accessKeyId: 'AKIDOTHER' }))).rejects.toMatchObject({ type: 'InvalidClientTokenId' });
    await expect(verifier.verify({ method: 'POST', path: '/', rawQuery: '', headers: {}, body: Buffer.alloc(0) })).rejects.toMatchObject({
      type: 'MissingParameter',
    });
    await expect(verifier.verify(await signed({ at: NOW - 16 * 60_000 }))).rejects.toMatchObject({ type: 'SignatureDoesNotMatch' });
    await expect(verifier.verify(await signed({ at: NOW + 16 * 60_000 }))).rejects.toMatchObject({ type: 'SignatureDoesNotMatch' });
    await expect(verifier.verify(await signed({ at: NOW - 14 * 60_000 }))).resolves.toBeDefined();
  });

  it('accepts a presigned URL until it expires', async () => {
    const presigned = await signer().presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: 'localhost',
        port: 9324,
        path: '/000000000000/q',
        query: { Action: 'GetQueueAttributes', 'AttributeName.1': 'All' },
        headers: { host: 'localhost:9324' },
      },
      { signingDate: new Date(NOW), expiresIn: 300 },
    );
    const rawQuery = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const request: ReceivedRequest = { method: 'GET', path: '/000000000000/q', rawQuery, headers: { host: 'localhost:9324' }, body: Buffer.alloc(0) };
    await expect(verifier.verify(request)).resolves.toMatchObject({ subject: 'alice' });
    await expect(new SignatureVerifier([KEY], () => NOW + 301_000).verify(request)).rejects.toMatchObject({ type: 'RequestExpired' });
    await expect(verifier.verify({ ...request, rawQuery: rawQuery.replace('All', 'QueueArn') })).rejects.toMatchObject({ type: 'SignatureDoesNotMatch' });
  });
});
