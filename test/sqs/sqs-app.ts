import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '@app/common/clock';
import { SqsServer } from '@app/sqs/sqs.server';
import { startTestApp, type TestApp } from '@test/support/app';

export const ADMIN = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret-key-0123456789', subject: 'sqs-admin', roles: ['system_admin'] };
export const WRITER = { accessKeyId: 'AKIDWRITER', secretAccessKey: 'writer-secret-key-0123456789', subject: 'sqs-writer', roles: ['system_writer'] };
export const READER = { accessKeyId: 'AKIDREADER', secretAccessKey: 'reader-secret-key-0123456789', subject: 'sqs-reader', roles: ['queue_reader'] };
export const NOBODY = { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'nobody-secret-key-0123456789', subject: 'sqs-nobody', roles: [] };

export interface SqsTestApp extends TestApp {
  endpoint: string;
  client(credential?: { accessKeyId: string; secretAccessKey: string }): SQSClient;
}

/** The real app with its SQS listener on an ephemeral loopback port and four access keys. */
export async function startSqsApp(
  options: { env?: Record<string, string>; clock?: Clock; logDestination?: { write(line: string): void } } = {},
): Promise<SqsTestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-sqs-'));
  const credentialsFile = path.join(dir, 'credentials.json');
  fs.writeFileSync(credentialsFile, JSON.stringify([ADMIN, WRITER, READER, NOBODY]));
  const t = await startTestApp({
    clock: options.clock,
    logDestination: options.logDestination,
    env: { SQS_PORT: 'ephemeral', SQS_CREDENTIALS_FILE: credentialsFile, DISPATCHER_ENABLED: 'false', ...options.env },
  });
  const endpoint = `http://127.0.0.1:${t.app.get(SqsServer).port}`;
  const clients: SQSClient[] = [];
  return {
    ...t,
    endpoint,
    client: (credential = ADMIN) => {
      const client = new SQSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const client of clients) client.destroy();
      await t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
