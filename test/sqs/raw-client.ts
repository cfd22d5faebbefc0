import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { ADMIN, type SqsTestApp } from '@test/sqs/sqs-app';

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Data) =>
  typeof data === 'string' ? Buffer.from(data) : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

class Sha256 {
  private readonly hash;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

const signer = new SignatureV4({ credentials: ADMIN, region: 'us-east-1', service: 'sqs', sha256: Sha256 });

/** A hand-made request, signed as an SDK would: what a client outside the SDKs can send. */
export async function send(
  t: SqsTestApp,
  headers: Record<string, string>,
  body: string,
  sign = true,
): Promise<{ status: number; headers: Headers; text: string }> {
  const url = new URL(t.endpoint);
  let all: Record<string, string> = { host: url.host, ...headers };
  if (sign) {
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query: {},
      headers: all,
      body,
    });
    all = signed.headers;
  }
  const response = await fetch(t.endpoint, { method: 'POST', headers: all, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export const json = (action: string) => ({ 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` });
