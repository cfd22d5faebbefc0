/**
 * The real application in a child process, for tests that kill it (kill -9 mid-handler):
 *   node -r @swc-node/register test/handlers/child-server.ts
 * Configured by the environment like production; listens on 127.0.0.1 and prints {"port": n}.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@app/config/app.config';
import { createApp } from '@app/bootstrap';

async function main(): Promise<void> {
  const app = await createApp(loadConfig(process.env));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
