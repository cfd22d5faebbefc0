import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import request from 'supertest';
import { LEASE_MARGIN_SECONDS } from '@app/messages/handlers/dispatcher.service';
import { signToken, startTestApp, TEST_SECRET, writeConfigFiles } from '../support/app';
import { ManualClock, waitFor } from '../support/time';

const ROOT = path.resolve(__dirname, '..', '..');
const HANDLER_TIMEOUT_SECONDS = 60;

/**
 * kill -9 of a process in the middle of a handler: the message's lease expires and the next
 * process on the same DATA_DIR runs it again (counting the attempt); nothing is lost and a
 * message whose handler already completed is not run again.
 */
describe('handlers: crash recovery', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-crash-'));
  const dataDir = path.join(root, 'data');
  const configDir = path.join(root, 'config');
  const executions = path.join(root, 'executions.log');
  let child: ChildProcess | null = null;

  beforeAll(() => {
    writeConfigFiles(configDir, {
      'queues/jobs.queue.json': {
        name: 'jobs',
        roles: { needsRole: false },
        delivery: { maxAttempts: 3, backoffSeconds: 0, handlerTimeoutSeconds: HANDLER_TIMEOUT_SECONDS, concurrency: 4 },
      },
      'queues/jobs.queue.js': `const fs = require('node:fs');
        module.exports = async function (request, context) {
          fs.appendFileSync(${JSON.stringify(executions)}, 'start ' + request.n + ' attempt ' + context.attempt + '\\n');
          if (request.hang && context.attempt === 1) return new Promise(() => {});
          fs.appendFileSync(${JSON.stringify(executions)}, 'done ' + request.n + '\\n');
          return { n: request.n, attempt: context.attempt };
        }`,
    });
  });

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  });

  function startChild(): Promise<{ process: ChildProcess; port: number }> {
    const proc = spawn(process.execPath, ['-r', '@swc-node/register', 'test/handlers/child-server.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir, CONFIG_DIR: configDir, AUTH_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child did not start: ${stderr}`)), 45_000);
      proc.once('exit', (code) => reject(new Error(`child exited with ${code}: ${stderr}`)));
      readline.createInterface({ input: proc.stdout }).on('line', (line) => {
        if (!line.startsWith('{"port"')) return;
        clearTimeout(timer);
        resolve({ process: proc, port: (JSON.parse(line) as { port: number }).port });
      });
    });
  }

  const lines = () => (fs.existsSync(executions) ? fs.readFileSync(executions, 'utf8').trim().split('\n') : []);

  it('runs the interrupted message again in the next process, and nothing twice that completed', async () => {
    const started = await startChild();
    child = started.process;
    const http = request(`http://127.0.0.1:${started.port}`);
    const token = await signToken(TEST_SECRET, 'alice', ['system_admin']);
    const bodies = [{ n: 0 }, { n: 1 }, { n: 2, hang: true }, { n: 3 }, { n: 4 }];
    const res = await http.post('/api/v1/queues/jobs/messages/batch').set('Authorization', `Bearer ${token}`).send({ messages: bodies });
    expect(res.status).toBe(201);
    const ids = (res.body.items as { id: string }[]).map((m) => m.id);

    const statuses = async (client: typeof http) =>
      Promise.all(ids.map(async (id) => (await client.get(`/api/v1/queues/jobs/messages/${id}`).set('Authorization', `Bearer ${token}`)).body));
    await waitFor(async () => {
      const now = await statuses(http);
      return now.filter((m) => m.status === 'COMPLETE').length === 4 && now[2].status === 'INPROGRESS' && lines().includes('start 2 attempt 1');
    }, 15_000);

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    // the next process, with time moved past the lease the dead process held
    const clock = new ManualClock(Date.now() + (HANDLER_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS + 1) * 1000);
    const next = await startTestApp({ clock, env: { DATA_DIR: dataDir, CONFIG_DIR: configDir } });
    try {
      const final = await waitFor(async () => {
        const now = await statuses(next.http);
        return now.every((m) => m.status === 'COMPLETE') ? now : null;
      }, 10_000);
      expect(final.map((m) => m.result.n)).toEqual([0, 1, 2, 3, 4]);
      expect(final[2]).toMatchObject({ attempts: 2, result: { attempt: 2 } });
      for (const n of [0, 1, 3, 4]) expect(final[n].attempts).toBe(1);

      const log = lines();
      for (const n of [0, 1, 2, 3, 4]) expect(log.filter((line) => line === `done ${n}`)).toHaveLength(1);
      expect(log.filter((line) => line.startsWith('start 2 '))).toEqual(['start 2 attempt 1', 'start 2 attempt 2']);
      expect(log.filter((line) => line.startsWith('start '))).toHaveLength(6);
    } finally {
      await next.close();
    }
  }, 90_000);
});
