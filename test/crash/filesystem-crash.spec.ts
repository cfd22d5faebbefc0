import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '@app/bootstrap';
import { loadConfig } from '@app/config/app.config';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';
import { frameRecord, scanRecords } from '@app/storage/filesystem/journal-format';
import { signToken, TEST_SECRET } from '../support/app';
import { ManualClock } from '../support/time';
import { WRITER_QUEUE, writerRequest } from './journal-writer';

const ROOT = path.resolve(__dirname, '../..');
const ACKS_BEFORE_KILL = 200;

interface Running {
  child: ChildProcess;
  lines: string[];
  exited: Promise<void>;
}

/** Starts a TypeScript entry point in a child process; resolves once it printed a line matching `ready`. */
function start(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  onLine?: (line: string, running: Running) => void,
): Promise<Running & { match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', script], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running: Running = { child, lines: [], exited: new Promise((resolve) => child.once('exit', () => resolve())) };
  let stderr = '';
  let buffer = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start: ${stderr}`));
    }, 45_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        running.lines.push(line);
        const match = line.match(ready);
        if (match) {
          clearTimeout(timer);
          resolve({ ...running, match });
        }
        onLine?.(line, running);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it was ready: ${stderr}`));
    });
  });
}

function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-crash-'));
}

// child processes may need well over 20 s to start on a loaded machine
jest.setTimeout(90_000);

describe('filesystem engine crash safety', () => {
  const children: ChildProcess[] = [];
  const roots: string[] = [];
  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterAll(() => {
    jest.restoreAllMocks();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  });

  it('keeps every acknowledged push of the real app killed with SIGKILL under load', async () => {
    const root = tempRoot();
    roots.push(root);
    const env = {
      DATA_DIR: path.join(root, 'data'),
      CONFIG_DIR: path.join(root, 'config'),
      AUTH_JWT_SECRET: TEST_SECRET,
      DISPATCHER_ENABLED: 'false',
    };
    fs.mkdirSync(path.join(env.CONFIG_DIR, 'queues'), { recursive: true });
    fs.writeFileSync(
      path.join(env.CONFIG_DIR, 'queues', 'crash.queue.json'),
      JSON.stringify({ name: 'crash', roles: { needsRole: false, replace: false, roles: [] }, incoming: { schema: { type: 'object', required: ['n'] } } }),
    );
    const token = await signToken(TEST_SECRET, 'crash-test', ['system_admin']);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const first = await start('test/crash/crash-server.ts', env, /^READY (\d+)$/);
    children.push(first.child);
    const base = `http://127.0.0.1:${first.match[1]}/api/v1/queues/crash/messages`;

    const sent = new Map<number, unknown>();
    const acked = new Map<string, number>();
    let next = 0;
    let killed = false;
    const body = (n: number) => ({ n, text: `message ${n}`, blob: n % 25 === 0 ? 'B'.repeat(150 * 1024 + n) : 'b'.repeat(n % 100) });
    const pusher = async () => {
      while (!killed) {
        const n = next++;
        const request = body(n);
        sent.set(n, request);
        try {
          const response = await fetch(base, { method: 'POST', headers, body: JSON.stringify(request) });
          if (response.status !== 201) throw new Error(`push answered ${response.status}: ${await response.text()}`);
          const stored = (await response.json()) as { id: string };
          acked.set(stored.id, n);
          if (acked.size >= ACKS_BEFORE_KILL && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } catch (error) {
          if (!killed) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, pusher));
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    // the dead process's lock is still there: the restart must take it over
    expect(fs.existsSync(path.join(env.DATA_DIR, 'mailroom.lock'))).toBe(true);

    // restart in this process on the same directories, as production would
    const app = await createApp(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SQS_PORT: '0', ...env }));
    await app.init();
    const http = () => request(app.getHttpServer());
    const stored = new Map<string, { request: unknown; status: string }>();
    try {
      let cursor: string | null = null;
      do {
        const response = await http()
          .get('/api/v1/queues/crash/messages')
          .query({ limit: 100, ...(cursor ? { cursor } : {}) })
          .set(headers);
        expect(response.status).toBe(200);
        const page = response.body as { items: Array<{ id: string; request: unknown; status: string }>; nextCursor: string | null };
        for (const item of page.items) stored.set(item.id, item);
        cursor = page.nextCursor;
      } while (cursor);
      const after = await http().post('/api/v1/queues/crash/messages').set(headers).send({ n: -1 });
      expect(after.status).toBe(201);
    } finally {
      await app.close();
    }

    expect(acked.size).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
    for (const [id, n] of acked) {
      expect(stored.get(id)).toEqual(expect.objectContaining({ status: 'PENDING', request: sent.get(n) }));
    }
    // nothing stored that was not sent, and nothing damaged
    for (const message of stored.values()) {
      const n = (message.request as { n: number }).n;
      expect(message.request).toEqual(sent.get(n));
    }

    const scan = scanRecords(fs.readFileSync(path.join(env.DATA_DIR, 'queues', 'crash.journal')));
    expect(scan.tailBytes).toBe(0);
    expect(scan.skipped).toEqual([]);
  });

  it('recovers the journal of a writer killed in the middle of writing, torn tail included', async () => {
    const root = tempRoot();
    roots.push(root);
    const dataDir = path.join(root, 'data');
    const acked = new Map<string, number>();
    const done = new Set<string>();
    let resolveEnough!: () => void;
    const enough = new Promise<void>((resolve) => (resolveEnough = resolve));
    const writer = await start('test/crash/journal-writer.ts', { DATA_DIR: dataDir }, /^READY$/, (line) => {
      const [kind, id, n] = line.split(' ');
      if (kind === 'ACK' && n !== undefined) acked.set(id, Number(n));
      if (kind === 'DONE' && id) done.add(id);
      if (acked.size >= 1000) resolveEnough();
    });
    children.push(writer.child);
    await enough;
    writer.child.kill('SIGKILL');
    await writer.exited;

    const journalFile = path.join(dataDir, 'queues', `${WRITER_QUEUE}.journal`);
    const atCrash = scanRecords(fs.readFileSync(journalFile));
    // SIGKILL does not interrupt a write(2) half way; a power cut does: append what it would leave
    // behind, the first part of a record whose rest never reached the disk
    const half = frameRecord(JSON.stringify({ t: 'i', ms: [{ id: 'never-acknowledged', blob: 'x'.repeat(4096) }] }));
    fs.appendFileSync(journalFile, half.subarray(0, half.length >> 1));
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const store = new FilesystemMessageStore(dataDir, new ManualClock());
    await store.open();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`truncated a torn tail of ${atCrash.tailBytes + (half.length >> 1)} bytes`));
    try {
      for (const [id, n] of acked) {
        const message = await store.get(WRITER_QUEUE, id);
        expect(message?.request).toEqual(writerRequest(n));
      }
      for (const id of done) expect((await store.get(WRITER_QUEUE, id))?.status).toBe('COMPLETE');
      const scan = scanRecords(fs.readFileSync(journalFile));
      expect(scan.tailBytes).toBe(0);
      expect(scan.validLength).toBe(atCrash.validLength);
      const stats = await store.stats(WRITER_QUEUE);
      expect(stats.counts.PENDING + stats.counts.INPROGRESS + stats.counts.COMPLETE).toBeGreaterThanOrEqual(acked.size);
    } finally {
      await store.close();
    }
  });
});
