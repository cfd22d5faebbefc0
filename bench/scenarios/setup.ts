import * as fs from 'node:fs';
import * as path from 'node:path';

export type Engine = 'filesystem' | 'postgres';

export const QUEUES = {
  push: 'bench-push',
  pushLarge: 'bench-push-large',
  cycle: 'bench-cycle',
  batch: 'bench-batch',
  dispatch: 'bench-dispatch',
  dispatchWide: 'bench-dispatch-wide',
  latency: 'bench-latency',
  backlog: 'bench-backlog',
  fanout: (i: number) => `bench-fanout-${i}`,
  topic: 'bench-topic',
};
export const FANOUT_QUEUES = 10;
/** queue concurrency of the wide dispatch variant (DISPATCHER_GLOBAL_CONCURRENCY defaults to 64) */
export const WIDE_CONCURRENCY = 64;

/** The no-op handler of the dispatch scenario. */
const NOOP_HANDLER = 'module.exports = async function () { return null; };\n';
/** Records when it started, for push → start latency (same clock as the message's createdAt). */
const STAMP_HANDLER = 'module.exports = async function () { return { startedAt: Date.now() }; };\n';

/** Writes CONFIG_DIR: the bench queues on `engine`, with no-op handlers for dispatch and latency. */
export function writeBenchConfig(configDir: string, engine: Engine, dispatchConcurrency: number): void {
  const queuesDir = path.join(configDir, 'queues');
  fs.mkdirSync(queuesDir, { recursive: true });
  fs.mkdirSync(path.join(configDir, 'topics'), { recursive: true });
  const storageEngine = engine === 'postgres' ? 'sql' : 'filesystem';
  const write = (name: string, delivery: Record<string, unknown> = {}, handler?: string) => {
    const definition = {
      name,
      storageEngine,
      roles: { needsRole: true, replace: false, roles: [] },
      incoming: { schema: { type: 'object' } },
      delivery: { visibilityTimeoutSeconds: 60, ...delivery },
    };
    fs.writeFileSync(path.join(queuesDir, `${name}.queue.json`), JSON.stringify(definition, null, 2));
    if (handler) fs.writeFileSync(path.join(queuesDir, `${name}.queue.js`), handler);
  };
  for (const name of [QUEUES.push, QUEUES.pushLarge, QUEUES.cycle, QUEUES.batch, QUEUES.backlog]) write(name);
  for (let i = 0; i < FANOUT_QUEUES; i++) write(QUEUES.fanout(i));
  write(QUEUES.dispatch, { concurrency: dispatchConcurrency }, NOOP_HANDLER);
  write(QUEUES.dispatchWide, { concurrency: WIDE_CONCURRENCY }, NOOP_HANDLER);
  write(QUEUES.latency, { concurrency: WIDE_CONCURRENCY }, STAMP_HANDLER);
}

/** A JSON object of about `bytes` bytes once serialised. */
export function bodyOfSize(bytes: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = JSON.stringify({ ...extra, data: '' }).length;
  return { ...extra, data: 'x'.repeat(Math.max(0, bytes - base)) };
}
