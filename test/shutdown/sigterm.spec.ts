import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { createApp } from '@app/bootstrap';
import { loadConfig } from '@app/config/app.config';
import { signToken, TEST_SECRET, writeConfigFiles } from '../support/app';
import { waitFor } from '../support/time';

const ROOT = path.resolve(__dirname, '../..');
const WORKERS = 8;
const MAX_PUSHES = 3000;

interface Child {
  process: ChildProcess;
  lines: string[];
  port: Promise<number>;
  exit: Promise<number | null>;
  dataDir: string;
  configDir: string;
}

/** Runs `src/main.ts` as production does, on loopback with a random port, capturing its JSON log lines. */
function startMailroom(env: Record<string, string>): Child {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-sigterm-'));
  const dataDir = path.join(root, 'data');
  const configDir = path.join(root, 'config');
  writeConfigFiles(configDir, { 'queues/orders.queue.json': { name: 'orders', roles: { needsRole: false } }, 'topics/.keep': '' });
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...inherited, NODE_ENV: 'test', PORT: '0', DATA_DIR: dataDir, CONFIG_DIR: configDir, AUTH_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`mailroom exited early:\n${lines.join('\n')}`);
      const line = lines.find((l) => /listening on port \d+/.test(l));
      return line ? Number(/listening on port (\d+)/.exec(line)![1]) : null;
    },
    45_000,
    25,
  );
  return { process: child, lines, port, exit, dataDir, configDir };
}

type Outcome = { status: number; id?: string; n: number; code?: string; connection?: string } | { error: string; n: number };

function push(agent: http.Agent, port: number, token: string, n: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ n });
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: 'POST',
        path: '/api/v1/queues/orders/messages',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          const parsed = text ? JSON.parse(text) : {};
          resolve({ status: res.statusCode!, id: parsed.id, code: parsed.code, n, connection: res.headers.connection });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, n }));
    req.end(body);
  });
}

/** WORKERS concurrent clients push until the server refuses them (or MAX_PUSHES in all). */
function load(port: number, token: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < MAX_PUSHES) {
      const outcome = await push(agent, port, token, next++);
      outcomes.push(outcome);
      if ('error' in outcome || outcome.status !== 201) return;
    }
  };
  const done = Promise.all(Array.from({ length: WORKERS }, worker)).finally(() => agent.destroy());
  return { outcomes, done, accepted: () => outcomes.filter((o): o is Outcome & { status: number; id: string } => 'status' in o && o.status === 201) };
}

// child processes may need well over 20 s to start on a loaded machine
jest.setTimeout(90_000);

describe('SIGTERM', () => {
  const children: Child[] = [];
  let token: string;
  let draining: Child;
  let delayed: Child;

  beforeAll(async () => {
    token = await signToken(TEST_SECRET, 'loader', ['system_admin']);
    // both processes start together: their start-up (TypeScript compiled on the fly) overlaps
    draining = startMailroom({ SHUTDOWN_DELAY_SECONDS: '0', SHUTDOWN_GRACE_SECONDS: '10' });
    delayed = startMailroom({ SHUTDOWN_DELAY_SECONDS: '60', SHUTDOWN_GRACE_SECONDS: '10' });
    children.push(draining, delayed);
    await Promise.all([draining.port, delayed.port]);
  }, 90_000);

  afterAll(() => {
    for (const child of children) {
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
      fs.rmSync(path.dirname(child.dataDir), { recursive: true, force: true });
    }
  });

  it('drains under load: every message answered 201 is stored, later requests are refused, exit code 0', async () => {
    const child = draining;
    const port = await child.port;
    const run = load(port, token);
    await waitFor(() => run.accepted().length >= 100, 20_000);
    child.process.kill('SIGTERM');
    await run.done;
    expect(await child.exit).toBe(0);

    expect(child.lines.some((l) => l.includes('drained: exiting'))).toBe(true);
    const refused = run.outcomes.filter((o) => 'error' in o || o.status !== 201);
    expect(refused).toHaveLength(WORKERS);
    for (const outcome of refused) {
      if ('error' in outcome) expect(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'socket hang up']).toContain(outcome.error);
      else expect(outcome).toMatchObject({ status: 503, code: 'SHUTTING_DOWN' });
    }

    const accepted = run.accepted();
    expect(accepted.length).toBeGreaterThanOrEqual(100);
    const app = await createApp(
      loadConfig({
        NODE_ENV: 'test',
        DATA_DIR: child.dataDir,
        CONFIG_DIR: child.configDir,
        AUTH_JWT_SECRET: TEST_SECRET,
        LOG_LEVEL: 'silent',
        DISPATCHER_ENABLED: 'false',
        SQS_PORT: '0',
      }),
    );
    await app.init();
    try {
      const http = request(app.getHttpServer());
      for (const message of accepted) {
        const stored = await http.get(`/api/v1/queues/orders/messages/${message.id}`).set('Authorization', `Bearer ${token}`);
        expect({ status: stored.status, n: stored.body.request?.n }).toEqual({ status: 200, n: message.n });
      }
    } finally {
      await app.close();
    }
  });

  it('keeps serving during the pre-drain delay with readiness 503; a second signal forces exit 1 with a log line', async () => {
    const child = delayed;
    const port = await child.port;
    const agent = new http.Agent({ keepAlive: false });
    try {
      expect((await request(`http://127.0.0.1:${port}`).get('/readyz')).status).toBe(200);
      child.process.kill('SIGTERM');
      await waitFor(async () => (await request(`http://127.0.0.1:${port}`).get('/readyz')).status === 503);
      const during = await push(agent, port, token, 1);
      expect(during).toMatchObject({ status: 201, connection: 'close' });
      child.process.kill('SIGTERM');
      expect(await child.exit).toBe(1);
      expect(child.lines.some((l) => l.includes('received again during the drain'))).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});
