/**
 * Runs the real application for the crash tests: `node -r @swc-node/register test/crash/crash-server.ts`
 * with DATA_DIR, CONFIG_DIR and AUTH_JWT_SECRET set. Prints `READY <port>` once it listens on loopback.
 */
import { loadConfig } from '@app/config/app.config';
import { createApp } from '@app/bootstrap';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`READY ${address.port}\n`);
}

main().catch((error) => {
  process.stderr.write(`crash-server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
