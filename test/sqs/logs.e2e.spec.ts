import { ADMIN, startSqsApp } from '@test/sqs/sqs-app';
import { json, send } from '@test/sqs/raw-client';

// a file of its own: Nest's static Logger writes to the logger of the app created last (useLogger)
describe('SQS endpoint logs', () => {
  it('never logs a secret, even for refused signatures and failures', async () => {
    const lines: string[] = [];
    const t = await startSqsApp({ env: { LOG_LEVEL: 'trace' }, logDestination: { write: (line) => lines.push(line) } });
    try {
      await send(t, json('ListQueues'), '{}');
      const forged = await send(
        t,
        {
          ...json('ListQueues'),
          'x-amz-date': '20260101T000000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=${ADMIN.accessKeyId}/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
        },
        '{}',
        false,
      );
      expect(JSON.parse(forged.text).__type).toBe('com.amazonaws.sqs#SignatureDoesNotMatch');
      expect(forged.text).not.toContain(ADMIN.secretAccessKey);
    } finally {
      await t.close();
    }
    expect(lines.join('\n')).toContain('SQS endpoint listening on port');
    expect(lines.join('\n')).not.toContain(ADMIN.secretAccessKey);
  });
});
