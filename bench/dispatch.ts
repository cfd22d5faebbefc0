/**
 * Handler dispatch benchmark on the filesystem engine, in one process (the real app as
 * production builds it, a no-op handler in worker threads):
 *  - latency: pushes over HTTP at a steady rate into an idle store (after one second of the same
 *    load as a warm-up); push (request sent) → handler start, p50/p99;
 *  - drain: a backlog pushed by batches of 100 while the dispatcher was off, then the time for
 *    a fresh process to run every handler (from the end of start-up to the last COMPLETE).
 * Prints one JSON document on stdout; progress on stderr.
 *
 *   npm run bench:dispatch -- [--backlog 20000] [--rate 100] [--seconds 10] [--workers 2] [--concurrency 64] [--profile 1]
 * With --profile 1 the main thread's CPU profile of the drain is written to bench/tmp/dispatch-drain.cpuprofile.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { loadConfig, type AppConfig } from '@app/config/app.config';
import { createApp } from '@app/bootstrap';
import { MessagesService } from '@app/messages/messages.service';
import { MessageEvents } from '@app/messages/message-events';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { StorageService } from '@app/storage/storage.service';
import { signToken } from '../test/support/app';

const SECRET = 'bench-secret-that-is-long-enough-for-hs256!!';

function args(): Record<string, number> {
  const out: Record<string, number> = { backlog: 20_000, rate: 100, seconds: 10, workers: 2, concurrency: 64, profile: 0 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match || !(match[1] in out))
      throw new Error(
        `unknown argument ${argv[i]} (known: ${Object.keys(out)
          .map((k) => `--${k}`)
          .join(' ')})`,
      );
    const value = Number(match[2] ?? argv[++i]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${match[1]} must be a positive number`);
    out[match[1]] = value;
  }
  return out;
}

const log = (message: string) => process.stderr.write(`[bench:dispatch] ${message}\n`);

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
/** an event-loop delay sample (ns, sampled every 1 ms) as lateness in ms */
const lag = (ns: number) => round(Math.max(0, ns / 1e6 - 1));

async function main(): Promise<void> {
  const options = args();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-dispatch-'));
  const queues = path.join(root, 'config', 'queues');
  fs.mkdirSync(queues, { recursive: true });
  const definition = (name: string) => ({ name, roles: { needsRole: false }, delivery: { concurrency: options.concurrency } });
  fs.writeFileSync(path.join(queues, 'drain.queue.json'), JSON.stringify(definition('drain')));
  fs.writeFileSync(path.join(queues, 'drain.queue.js'), 'module.exports = async function () {}');
  fs.writeFileSync(path.join(queues, 'latency.queue.json'), JSON.stringify(definition('latency')));
  fs.writeFileSync(
    path.join(queues, 'latency.queue.js'),
    'module.exports = async function () { return { startedAt: performance.timeOrigin + performance.now() } }',
  );
  const config = (dispatcher: boolean): AppConfig =>
    loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: path.join(root, 'data'),
      CONFIG_DIR: path.join(root, 'config'),
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      DISPATCHER_ENABLED: String(dispatcher),
      SQS_PORT: '0',
      HANDLER_WORKERS: String(options.workers),
      DISPATCHER_GLOBAL_CONCURRENCY: String(Math.max(options.concurrency, 64)),
    });

  try {
    // 1. push → handler start at a steady rate, over HTTP, on a fresh, idle store
    const live = await createApp(config(true));
    await live.listen(0, '127.0.0.1');
    const { port } = live.getHttpServer().address() as AddressInfo;
    const token = await signToken(SECRET, 'bench', ['system_admin']);
    const latencyQueue = live.get(MessagesService, { strict: false });
    const total = Math.round(options.rate * options.seconds);
    const sentAt = new Map<string, number>();
    const answeredAt = new Map<string, number>();
    const pushMs: number[] = [];
    /** `count` pushes at the steady rate; recorded unless it is the warm-up */
    const steady = async (count: number, record: boolean) => {
      const inFlight: Promise<void>[] = [];
      const begin = performance.now();
      for (let n = 0; n < count; n++) {
        const wait = begin + (n * 1000) / options.rate - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const t0 = performance.timeOrigin + performance.now();
        inFlight.push(
          fetch(`http://127.0.0.1:${port}/api/v1/queues/latency/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ n }),
          }).then(async (res) => {
            if (res.status !== 201) throw new Error(`push answered ${res.status}`);
            const { id } = (await res.json()) as { id: string };
            const answered = performance.timeOrigin + performance.now();
            if (!record) return;
            pushMs.push(answered - t0);
            sentAt.set(id, t0);
            answeredAt.set(id, answered);
          }),
        );
      }
      await Promise.all(inFlight);
    };
    // a running service: the first requests (JIT, connection set-up, schema compilation) are not measured
    await steady(options.rate, false);
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    await steady(total, true);
    loopDelay.disable();
    const startMs: number[] = [];
    const afterAnswerMs: number[] = [];
    const deadline = Date.now() + 30_000;
    for (const [id, t0] of sentAt) {
      for (;;) {
        const message = await latencyQueue.get('latency', id);
        if (message.status === 'COMPLETE') {
          const { startedAt } = message.result as { startedAt: number };
          startMs.push(startedAt - t0);
          afterAnswerMs.push(startedAt - answeredAt.get(id)!);
          break;
        }
        if (Date.now() > deadline) throw new Error(`message ${id} was not handled within 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    startMs.sort((a, b) => a - b);
    pushMs.sort((a, b) => a - b);
    afterAnswerMs.sort((a, b) => a - b);
    await live.close();

    // 2. the backlog, stored with the dispatcher off
    const loader = await createApp(config(false));
    await loader.init();
    const pushStart = performance.now();
    const messages = loader.get(MessagesService);
    const body = Array.from({ length: 100 }, (_, i) => ({ body: { i, payload: 'x'.repeat(64) } }));
    for (let done = 0; done < options.backlog; done += 100) {
      await messages.pushBatch('drain', body.slice(0, Math.min(100, options.backlog - done)), { sentBy: 'bench' });
    }
    log(`backlog of ${options.backlog} stored in ${round((performance.now() - pushStart) / 1000)} s`);
    await loader.close();

    // 3. a fresh process runs every handler
    const app = await createApp(config(true));
    const events = app.get(MessageEvents, { strict: false });
    let completed = 0;
    let drained: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (drained = resolve));
    events.subscribe((event) => {
      if (event.type === 'completed' && event.queue === 'drain' && ++completed === options.backlog) drained();
    });
    const session = options.profile ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
    }
    const cpuBefore = process.cpuUsage();
    const initStart = performance.now();
    await app.listen(0, '127.0.0.1');
    const started = performance.now();
    if (session) await session.post('Profiler.start');
    await allDone;
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      const file = path.join(__dirname, 'tmp', 'dispatch-drain.cpuprofile');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      log(`main-thread profile of the drain: ${file}`);
    }
    const drainMs = performance.now() - initStart;
    const cpu = process.cpuUsage(cpuBefore);
    const store = app.get(StorageService, { strict: false }).forQueue(app.get(QueueRegistry, { strict: false }).require('drain').definition);
    const stats = await store.stats('drain');
    log(`drained ${completed} in ${round(drainMs / 1000)} s (start-up ${round(started - initStart)} ms)`);

    await app.close();

    const report = {
      engine: 'filesystem',
      machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => round(l)), node: process.version },
      settings: { handlerWorkers: options.workers, queueConcurrency: options.concurrency },
      drain: {
        messages: options.backlog,
        completed: stats.counts.COMPLETE,
        seconds: round(drainMs / 1000, 3),
        handlersPerSecond: Math.round(options.backlog / (drainMs / 1000)),
        processCpuPercentOfOneCore: round(((cpu.user + cpu.system) / 1000 / drainMs) * 100, 1),
        /** all threads' CPU time per message: steadier than throughput on a shared machine */
        cpuMicrosecondsPerMessage: round((cpu.user + cpu.system) / options.backlog, 1),
        /** included in seconds: journal replay of the backlog, worker threads, HTTP listen */
        startupMs: round(started - initStart, 1),
      },
      latency: {
        ratePerSecond: options.rate,
        messages: startMs.length,
        pushToStartMs: {
          p50: round(percentile(startMs, 50)),
          p90: round(percentile(startMs, 90)),
          p99: round(percentile(startMs, 99)),
          max: round(startMs[startMs.length - 1]),
        },
        pushResponseMs: { p50: round(percentile(pushMs, 50)), p99: round(percentile(pushMs, 99)) },
        /** the dispatcher's share: from the push's 201 reaching the client to the handler's start (negative: it started first) */
        startAfterPushAnswerMs: { p50: round(percentile(afterAnswerMs, 50)), p99: round(percentile(afterAnswerMs, 99)) },
        /** how late the main thread's timers ran meanwhile (a loaded machine shows here) */
        eventLoopLagMs: { p50: lag(loopDelay.percentile(50)), p99: lag(loopDelay.percentile(99)), max: lag(loopDelay.max) },
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
