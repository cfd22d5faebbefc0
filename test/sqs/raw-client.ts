import { SignatureV4 } from '@smithy/signature-v4';
import { ADMIN, type SqsTestApp } from '@test/sqs/sqs-app';
import { Sha256 } from '@test/sqs/client-sha256';

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
