import * as os from 'node:os';
import * as path from 'node:path';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { startSqsApp } from '@test/sqs/sqs-app';

// a file of its own: Nest's static Logger writes to the logger of the app created last (useLogger)
describe('SQS endpoint without a credentials file (an optional Secret not mounted)', () => {
  it('starts, says so in the log, and refuses every request with InvalidClientTokenId', async () => {
    const lines: string[] = [];
    const missing = path.join(os.tmpdir(), `mailroom-no-such-dir-${process.pid}`, 'credentials.json');
    const t = await startSqsApp({ env: { SQS_CREDENTIALS_FILE: missing, LOG_LEVEL: 'warn' }, logDestination: { write: (line) => lines.push(line) } });
    try {
      await expect(t.client().send(new ListQueuesCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    } finally {
      await t.close();
    }
    const log = lines.join('\n');
    expect(log).toContain(`SQS_CREDENTIALS_FILE ${missing} does not exist`);
    expect(log).toContain('every request is refused (InvalidClientTokenId)');
  });
});
