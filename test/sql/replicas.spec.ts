import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { signToken, TEST_SECRET } from '../support/app';
import { waitFor } from '../support/time';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';

const ROOT = path.resolve(__dirname, '../..');

interface Replica {
  child: ChildProcess;
  base: string;
  dir: string;
}

/** Starts one Mailroom process (test/sql/fixtures/replica.ts) on the shared DATABASE_URL. */
function startReplica(databaseUrl: string): Promise<Replica> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-replica-'));
  fs.mkdirSync(path.join(dir, 'config', 'queues'), { recursive: true });
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'test/sql/fixtures/replica.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      AUTH_JWT_SECRET: TEST_SECRET,
      DATA_DIR: path.join(dir, 'data'),
      CONFIG_DIR: path.join(dir, 'config'),
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`replica did not start: ${err}`)), 25_000);
    child.stderr!.on('data', (d) => (err += String(d)));
    child.stdout!.on('data', (d) => {
      out += String(d);
      const match = /READY (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${match[1]}`, dir });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited with ${code}: ${err}`));
    });
  });
}

async function stopReplica(replica: Replica): Promise<void> {
  if (replica.child.exitCode === null) {
    const exited = new Promise((resolve) => replica.child.once('exit', resolve));
    replica.child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(replica.dir, { recursive: true, force: true });
}

describeWithDatabase('postgres', 'sql engine: two Mailroom processes on one database', () => {
  let database: IsolatedDatabase;
  let a: Replica;
  let b: Replica;
  let token: string;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    [a, b] = await Promise.all([startReplica(database.url), startReplica(database.url)]);
    token = await signToken(TEST_SECRET, 'admin', ['system_admin']);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map(stopReplica));
    await database?.drop();
  });

  async function call(replica: Replica, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${replica.base}${url}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  it('a queue created on one process is usable on the other within seconds', async () => {
    const created = await call(a, 'POST', '/api/v1/queues', { name: 'shared', storageEngine: 'sql', delivery: { visibilityTimeoutSeconds: 120 } });
    expect(created.status).toBe(201);
    await waitFor(async () => (await call(b, 'GET', '/api/v1/queues/shared')).status === 200, 8000, 50);
    const pushed = await call(b, 'POST', '/api/v1/queues/shared/messages', { from: 'b' });
    expect(pushed.status).toBe(201);
    expect((await call(a, 'GET', `/api/v1/queues/shared/messages/${pushed.body.id}`)).body).toMatchObject({ status: 'PENDING', request: { from: 'b' } });
  });

  it('20 concurrent consumers on both processes receive every message exactly once', async () => {
    const total = 200;
    for (let i = 0; i < total; i += 100) {
      const messages = Array.from({ length: Math.min(100, total - i) }, (_, k) => ({ n: i + k }));
      expect((await call(i % 200 === 0 ? a : b, 'POST', '/api/v1/queues/shared/messages/batch', { messages })).status).toBe(201);
    }
    const deliveries = new Map<string, number>();
    const acked = new Set<string>();
    const failures: string[] = [];
    const consumer = async (replica: Replica) => {
      for (let idle = 0; idle < 3 && acked.size < total + 1; ) {
        const received = await call(replica, 'POST', '/api/v1/queues/shared/messages/receive', { maxMessages: 5, visibilityTimeoutSeconds: 120 });
        if (received.status !== 200) {
          failures.push(`receive ${received.status}`);
          return;
        }
        const messages = received.body.messages as Array<{ id: string; receipt: string }>;
        if (!messages.length) {
          idle++;
          continue;
        }
        idle = 0;
        for (const m of messages) {
          deliveries.set(m.id, (deliveries.get(m.id) ?? 0) + 1);
          const ack = await call(replica, 'POST', `/api/v1/queues/shared/messages/${m.id}/ack`, { receipt: m.receipt, outcome: 'complete' });
          if (ack.status !== 200) failures.push(`ack ${ack.status} ${ack.body?.code}`);
          else acked.add(m.id);
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => consumer(i % 2 ? a : b)));

    expect(failures).toEqual([]);
    expect([...deliveries.values()].filter((n) => n > 1)).toEqual([]);
    expect(acked.size).toBe(total + 1);
    const stats = await call(b, 'GET', '/api/v1/queues/shared/stats');
    expect(stats.body.counts).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: total + 1, ERROR: 0 });
  }, 30_000);
});
