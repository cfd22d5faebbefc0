import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SignJWT } from 'jose';
import request from 'supertest';
import { loadConfig, type AppConfig } from '@app/config/app.config';
import type { Clock } from '@app/common/clock';
import { createApp } from '@app/bootstrap';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256!!';

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<typeof request>;
  config: AppConfig;
  dataDir: string;
  configDir: string;
  /** a token for `sub` with `roles` (and any other claims) */
  token(sub: string, roles?: string[], extra?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
  /** listens on an ephemeral loopback port; the base URL, e.g. http://127.0.0.1:41234 */
  listen(): Promise<string>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: Clock;
  /** files to write under CONFIG_DIR before start, e.g. { 'queues/a.queue.json': {...} } */
  files?: Record<string, unknown>;
  /** receives the JSON log lines (set LOG_LEVEL in env to see any) */
  logDestination?: { write(line: string): void };
  /** the console's built files (dist/console by default) */
  consoleDir?: string;
}

export function writeConfigFiles(configDir: string, files: Record<string, unknown>): void {
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(configDir, name);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

export async function signToken(
  secret: string,
  sub: string,
  roles: string[] = [],
  extra: Record<string, unknown> = {},
  expiresIn: string | number = '1h',
): Promise<string> {
  return new SignJWT({ roles, ...extra })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** Starts the real application (same bootstrap as production) on temporary directories. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-test-'));
  const dataDir = path.join(root, 'data');
  const configDir = path.join(root, 'config');
  fs.mkdirSync(path.join(configDir, 'queues'), { recursive: true });
  fs.mkdirSync(path.join(configDir, 'topics'), { recursive: true });
  writeConfigFiles(configDir, options.files ?? {});
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    CONFIG_DIR: configDir,
    AUTH_JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    SQS_PORT: '0',
    ...options.env,
  });
  const app = await createApp(config, options.clock, { logDestination: options.logDestination, consoleDir: options.consoleDir });
  try {
    await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    app,
    http: request(app.getHttpServer()),
    config,
    dataDir,
    configDir,
    token: (sub, roles = [], extra = {}) => signToken(config.auth.jwtSecret ?? TEST_SECRET, sub, roles, extra),
    listen: async () => {
      await app.listen(0, '127.0.0.1');
      const address = app.getHttpServer().address() as { port: number };
      return `http://127.0.0.1:${address.port}`;
    },
    close: async () => {
      await app.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
