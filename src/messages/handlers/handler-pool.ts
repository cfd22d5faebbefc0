import { Injectable, Logger } from '@nestjs/common';
import * as path from 'node:path';
import type { MessagePort, ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import type { MessageErrorInfo } from '@app/domain/message';
import { HandlerServices } from '@app/messages/handlers/handler-services';

/** Plain JS, shipped next to the compiled code by nest-cli `assets`, so it loads under jest and from dist alike. */
export const WORKER_ENTRY = path.join(__dirname, 'handler-worker.js');

/** After the worker's own timeout, how long a handler that blocks its event loop gets before its worker is terminated. */
export const HARD_KILL_GRACE_MS = 300;
const WORKER_MAX_OLD_GENERATION_MB = 512;
/** how piscina fails the tasks of a worker that exited */
const WORKER_EXITED = /^worker exited with code/;

export interface HandlerTask {
  handlerPath: string;
  handlerVersion: number;
  id: string;
  queue: string;
  attempt: number;
  request: unknown;
  timeoutMs: number;
  maxResultBytes: number;
  /** HandlerServices' id of this run: service calls carry it */
  run: number;
}

export type HandlerOutcome =
  | { kind: 'complete'; result: unknown }
  | { kind: 'error' | 'timeout' | 'crashed'; error: MessageErrorInfo }
  /** the worker was stopped for another task's sake, or for shutdown: not the handler's failure */
  | { kind: 'interrupted'; reason: string; delaySeconds?: number };

/** A task whose worker stopped for another task's sake before it started is retried after this long. */
export const NOT_STARTED_RETRY_SECONDS = 1;

/** The only variables of the service's environment a handler's `process.env` sees (settings reach it through environmentService). */
const WORKER_ENV_PASSED = ['NODE_ENV', 'TZ', 'LANG', 'LC_ALL'];

/**
 * A worker's `process.env`: never the service's own settings (AUTH_JWT_SECRET, DATABASE_URL, …).
 * `require` in a handler looks in its own folders first, then in HANDLER_MODULES_DIR.
 */
export function workerEnv(handlerModulesDir: string | undefined, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of WORKER_ENV_PASSED) if (env[name] !== undefined) out[name] = env[name];
  const nodePath = [handlerModulesDir, env.NODE_PATH].filter(Boolean).join(path.delimiter);
  if (nodePath) out.NODE_PATH = nodePath;
  return out;
}

type WorkerReply = { ok: true; json: string | null } | { ok: false; error: MessageErrorInfo };

/**
 * Which thread runs which task, and since when, without a message per task: every task gets a
 * slot in shared arrays (handed to the workers once, in workerData) where its worker stores its
 * threadId and start time when the task starts. Read only when a handler overstays its timeout.
 */
class ThreadSlots {
  readonly threads: SharedArrayBuffer;
  readonly starts: SharedArrayBuffer;
  private readonly threadIds: Int32Array;
  private readonly startedAt: Float64Array;
  private readonly free: number[];

  constructor(size: number) {
    this.threads = new SharedArrayBuffer(size * Int32Array.BYTES_PER_ELEMENT);
    this.starts = new SharedArrayBuffer(size * Float64Array.BYTES_PER_ELEMENT);
    this.threadIds = new Int32Array(this.threads);
    this.startedAt = new Float64Array(this.starts);
    this.free = Array.from({ length: size }, (_, i) => size - 1 - i);
  }

  /** -1 when every slot is taken (the task then cannot be told apart; it still runs). */
  take(): number {
    const slot = this.free.pop() ?? -1;
    if (slot >= 0) Atomics.store(this.threadIds, slot, 0);
    return slot;
  }

  /** The thread running the task and when it started (epoch ms), or null before it starts. */
  read(slot: number): { threadId: number; startedAt: number } | null {
    const threadId = slot < 0 ? 0 : Atomics.load(this.threadIds, slot);
    return threadId ? { threadId, startedAt: this.startedAt[slot] } : null;
  }

  release(slot: number): void {
    if (slot >= 0) this.free.push(slot);
  }
}

/**
 * The worker threads that run handlers (piscina), several tasks per worker since handlers are
 * mostly asynchronous I/O. Created on first use, so a replica without handler queues starts no
 * threads. A handler that still blocks its worker shortly after its timeout gets that worker
 * terminated (piscina replaces it); tasks that were running on a worker terminated for another
 * task's sake come back as `interrupted`.
 */
@Injectable()
export class HandlerPool {
  private readonly logger = new Logger('HandlerPool');
  private pool: Piscina | null = null;
  private readonly slots: ThreadSlots;
  /** threads terminated because of a timed-out handler */
  private readonly terminated = new Set<number>();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly services: HandlerServices,
  ) {
    this.slots = new ThreadSlots(Math.max(64, config.globalConcurrency * 2));
  }

  /** Tasks that may run at once on one worker. */
  get tasksPerWorker(): number {
    return Math.max(1, Math.ceil(this.config.globalConcurrency / this.config.handlerWorkers));
  }

  /** Runs one handler. Resolves with `interrupted` at once when `shutdown` aborts. */
  async run(task: HandlerTask, shutdown: AbortSignal): Promise<HandlerOutcome> {
    if (shutdown.aborted) return { kind: 'interrupted', reason: 'shutting down' };
    const slot = this.slots.take();
    let timedOut = false;
    let timer: NodeJS.Timeout;
    const watchdog = () => {
      const started = this.slots.read(slot);
      // not started yet (its worker is being replaced), or started late: wait for its own deadline
      const remaining = started ? started.startedAt + task.timeoutMs + HARD_KILL_GRACE_MS - Date.now() : task.timeoutMs + HARD_KILL_GRACE_MS;
      if (!started || remaining > 0) {
        timer = setTimeout(watchdog, Math.max(remaining, 10));
        return;
      }
      timedOut = true;
      this.terminate(started.threadId, task);
    };
    timer = setTimeout(watchdog, task.timeoutMs + HARD_KILL_GRACE_MS);
    let onShutdown!: () => void;
    const stopped = new Promise<HandlerOutcome>((resolve) => {
      onShutdown = () => resolve({ kind: 'interrupted', reason: 'shutting down' });
      shutdown.addEventListener('abort', onShutdown, { once: true });
    });
    const executed = this.execute(task, slot, () => timedOut).finally(() => {
      clearTimeout(timer);
      this.slots.release(slot);
    });
    try {
      return await Promise.race([executed, stopped]);
    } finally {
      shutdown.removeEventListener('abort', onShutdown);
    }
  }

  /** Starts the worker threads now, so the first message does not wait for them. */
  warm(): void {
    this.piscina();
  }

  async destroy(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (pool) await pool.destroy();
  }

  private async execute(task: HandlerTask, slot: number, timedOut: () => boolean): Promise<HandlerOutcome> {
    try {
      const reply = (await this.piscina().run({ ...task, slot })) as WorkerReply;
      if (reply.ok) return { kind: 'complete', result: reply.json === null ? null : JSON.parse(reply.json) };
      return { kind: reply.error.name === 'HandlerTimeout' ? 'timeout' : 'error', error: reply.error };
    } catch (error) {
      if (timedOut()) {
        return {
          kind: 'timeout',
          error: { name: 'HandlerTimeout', message: `the handler did not finish within ${task.timeoutMs / 1000} seconds; its worker was terminated` },
        };
      }
      if (!this.pool) return { kind: 'interrupted', reason: 'shutting down' };
      const message = (error as Error)?.message ?? String(error);
      const started = this.slots.read(slot);
      if (!started) {
        // its worker stopped for another task's sake (a runaway or crashing handler, counted there)
        if (WORKER_EXITED.test(message))
          return { kind: 'interrupted', reason: `its worker stopped before the handler started: ${message}`, delaySeconds: NOT_STARTED_RETRY_SECONDS };
        // the message could not be handed over (e.g. it cannot be cloned) or the worker died on start: a failed attempt, not a hot loop
        this.logger.error({ msg: 'the handler could not be started', queue: task.queue, messageId: task.id, attempt: task.attempt, error: message });
        return { kind: 'error', error: { name: 'HandlerNotStarted', message: `the handler could not be started: ${message}` } };
      }
      if (this.terminated.has(started.threadId)) {
        return { kind: 'interrupted', reason: 'its worker was terminated because another handler timed out' };
      }
      return { kind: 'crashed', error: { name: 'WorkerCrashed', message: `the handler's worker thread stopped: ${message}` } };
    }
  }

  protected workerEntry(): string {
    return WORKER_ENTRY;
  }

  /** A handler that leaks memory ends its worker (ERR_WORKER_OUT_OF_MEMORY), not the process. */
  protected resourceLimits(): ResourceLimits {
    return { maxOldGenerationSizeMb: WORKER_MAX_OLD_GENERATION_MB };
  }

  private terminate(threadId: number, task: HandlerTask): void {
    const worker = this.pool?.threads.find((w) => w.threadId === threadId);
    if (!worker || this.terminated.has(threadId)) return;
    this.terminated.add(threadId);
    this.logger.warn({ msg: 'terminating a handler worker blocked past the handler timeout', queue: task.queue, messageId: task.id, threadId });
    void worker.terminate().finally(() => {
      // thread ids are never reused; forget it once every task of that worker has been told
      setTimeout(() => this.terminated.delete(threadId), 60_000).unref();
    });
  }

  private piscina(): Piscina {
    if (this.pool) return this.pool;
    const workers = this.config.handlerWorkers;
    const pool = new Piscina({
      filename: this.workerEntry(),
      minThreads: workers,
      maxThreads: workers,
      concurrentTasksPerWorker: this.tasksPerWorker,
      idleTimeout: Infinity,
      // idle workers wait without freezing their event loop (handlers may leave timers and sockets behind)
      atomics: 'async',
      resourceLimits: this.resourceLimits(),
      env: workerEnv(this.config.handlerModulesDir),
      workerData: { env: this.config.handlerEnv, secrets: this.config.handlerSecrets, threadSlots: this.slots.threads, startSlots: this.slots.starts },
    });
    pool.on('message', (message: { mailroomRpcPort?: MessagePort }) => {
      if (message && typeof message === 'object' && message.mailroomRpcPort) this.services.attach(message.mailroomRpcPort);
    });
    pool.on('error', (error: Error) => this.logger.error({ err: error }, 'a handler worker failed'));
    this.pool = pool;
    return pool;
  }
}
