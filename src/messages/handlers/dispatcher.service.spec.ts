import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SystemClock, type Clock } from '@app/common/clock';
import { ManualClock } from '@test/support/time';
import type { AppConfig } from '@app/config/app.config';
import type { QueueEntry } from '@app/queues/queue-registry.service';
import type { QueueDefinition } from '@app/domain/queue';
import type { StoredMessage } from '@app/domain/message';
import { MessageEvents } from '@app/messages/message-events';
import {
  HANDLER_ERROR_MAX_BYTES,
  HandlerDispatcher,
  handlerLeaseSeconds,
  LEASE_MARGIN_SECONDS,
  PREFETCH_MAX_AGE_MS,
} from '@app/messages/handlers/dispatcher.service';
import type { HandlerOutcome, HandlerTask } from '@app/messages/handlers/handler-pool';

/** The dispatcher against fakes: capacity, wake-ups, outcome → transition, shutdown. */
describe('HandlerDispatcher', () => {
  beforeAll(() => {
    for (const level of ['log', 'warn', 'error'] as const) jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  });
  afterAll(() => jest.restoreAllMocks());

  function definition(name: string, concurrency: number): QueueDefinition {
    return {
      name,
      storageEngine: 'filesystem',
      connectionString: null,
      client_id: null,
      roles: { needsRole: false, replace: false, roles: [] },
      incoming: { schema: {} },
      delivery: {
        visibilityTimeoutSeconds: 30,
        maxAttempts: 1,
        maxReceives: 0,
        backoffSeconds: 0,
        deadLetterQueue: null,
        handlerTimeoutSeconds: 5,
        concurrency,
      },
      ordering: { mode: 'standard', contentBasedDeduplication: false, deduplicationWindowSeconds: 300 },
      retention: { processedMinutes: 180, allHours: 72 },
      createdAt: 0,
      updatedAt: 0,
    };
  }

  function setup(queues: Record<string, number>, overrides: Partial<AppConfig> = {}, clock: Clock = new SystemClock()) {
    const entries = new Map<string, QueueEntry>(
      Object.entries(queues).map(([name, concurrency]) => [
        name,
        { definition: definition(name, concurrency), source: 'file', handlerPath: `/h/${name}.queue.js`, handlerVersion: 1 },
      ]),
    );
    const pending = new Map<string, StoredMessage[]>([...entries.keys()].map((name) => [name, []]));
    const calls: string[] = [];
    const errors: { name: string; message: string }[] = [];
    const claims: { queue: string; max: number; lease: number }[] = [];
    const store = { onAvailable: () => () => undefined };
    const delivery = {
      store: () => store,
      claim: async (def: QueueDefinition, max: number, lease: number) => {
        claims.push({ queue: def.name, max, lease });
        return pending
          .get(def.name)!
          .splice(0, max)
          .map((m) => ({ ...m, status: 'INPROGRESS', attempts: m.attempts + 1, receipt: `r-${m.id}` }));
      },
      complete: async (def: QueueDefinition, id: string, receipt: string, result: unknown) =>
        void calls.push(`complete ${id} ${receipt} ${JSON.stringify(result)}`),
      settleHandlerOutcome: async (def: QueueDefinition, m: StoredMessage, outcome: HandlerOutcome) => {
        if (outcome.kind === 'complete') await delivery.complete(def, m.id, m.receipt!, outcome.result);
        else if (outcome.kind === 'interrupted') await delivery.release(def, m.id, m.receipt!, { toEnd: false });
        else {
          calls.push(`${outcome.kind} ${m.id} ${m.receipt} ${outcome.error.name}`);
          errors.push(outcome.error);
        }
        return { ...m, status: outcome.kind === 'interrupted' ? 'PENDING' : 'ERROR', availableAt: 0 };
      },
      release: async (def: QueueDefinition, id: string, receipt: string, options: { toEnd: boolean }) =>
        void calls.push(`release ${id} ${receipt} toEnd=${options.toEnd}`),
    };
    const running = new Map<string, { task: HandlerTask; finish: (outcome: HandlerOutcome) => void }>();
    const pool = {
      destroyed: false,
      warm: () => undefined,
      run: (task: HandlerTask, shutdown: AbortSignal) =>
        new Promise<HandlerOutcome>((resolve) => {
          const finish = (outcome: HandlerOutcome) => {
            running.delete(task.id);
            resolve(outcome);
          };
          running.set(task.id, { task, finish });
          shutdown.addEventListener('abort', () => finish({ kind: 'interrupted', reason: 'shutting down' }));
        }),
      destroy: async () => {
        pool.destroyed = true;
      },
    };
    const services = {
      begin: () => 1,
      end: () => undefined,
      detachAll: () => undefined,
      redact: (text: string) => text.replaceAll('s3cret-value', '[REDACTED]'),
    };
    const registry = { list: () => [...entries.values()], get: (name: string) => entries.get(name), onChange: () => () => undefined };
    const events = new MessageEvents();
    const config = { dispatcherEnabled: true, globalConcurrency: 100, shutdownGraceSeconds: 0, messageMaxBytes: 1000, ...overrides } as AppConfig;
    const dispatcher = new HandlerDispatcher(
      registry as never,
      delivery as never,
      events,
      pool as never,
      services as never,
      new SchedulerRegistry(),
      clock,
      config,
    );
    let seq = 0;
    const add = (queue: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const id = `${queue}-${++seq}`;
        pending.get(queue)!.push({ id, queue, status: 'PENDING', request: { i }, attempts: 0, receipt: null } as unknown as StoredMessage);
      }
      events.emit({ type: 'pushed', queue, count });
    };
    return { dispatcher, pending, running, calls, errors, claims, add, pool, events, delivery };
  }

  const settle = async (until: () => boolean) => {
    for (let i = 0; i < 100 && !until(); i++) await new Promise((resolve) => setImmediate(resolve));
    expect(until()).toBe(true);
  };

  const byQueue = (running: Map<string, { task: HandlerTask }>) =>
    [...running.values()].reduce<Record<string, number>>((acc, { task }) => ({ ...acc, [task.queue]: (acc[task.queue] ?? 0) + 1 }), {});

  it('starts a pushed message at once, leased for the handler timeout plus a margin', async () => {
    const t = setup({ a: 4 });
    t.dispatcher.onApplicationBootstrap();
    t.add('a', 1);
    await settle(() => t.running.size === 1);
    expect(t.claims[t.claims.length - 1].lease).toBe(5 + LEASE_MARGIN_SECONDS);
    expect(handlerLeaseSeconds(definition('x', 1))).toBe(5 + LEASE_MARGIN_SECONDS);
    const [{ task }] = t.running.values();
    expect(task).toMatchObject({ queue: 'a', attempt: 1, request: { i: 0 }, handlerPath: '/h/a.queue.js', handlerVersion: 1, timeoutMs: 5000 });
    await t.dispatcher.beforeApplicationShutdown();
  });

  it.each([
    [3, 2],
    [1, 0],
  ])('with concurrency %i, %i more waves of handlers start while the outcomes are still being stored', async (concurrency, moreWaves) => {
    const t = setup({ a: concurrency });
    const stored: (() => void)[] = [];
    t.delivery.complete = (_def: QueueDefinition, id: string) =>
      new Promise<undefined>((resolve) => stored.push(() => resolve(void t.calls.push(`complete ${id}`))));
    t.dispatcher.onApplicationBootstrap();
    t.add('a', concurrency * 5);
    await settle(() => t.running.size === concurrency);
    for (let wave = 1; wave <= moreWaves; wave++) {
      for (const { finish } of [...t.running.values()]) finish({ kind: 'complete', result: null });
      await settle(() => stored.length === concurrency * wave && t.running.size === concurrency);
    }
    // the outcomes waiting bound the queue (2 × concurrency; with concurrency 1 none): no further wave
    for (const { finish } of [...t.running.values()]) finish({ kind: 'complete', result: null });
    await settle(() => stored.length === concurrency * (moreWaves + 1));
    expect(t.calls).toEqual([]);
    expect(t.running.size).toBe(0);
    for (const release of stored.splice(0)) release();
    await settle(() => t.calls.length === concurrency * (moreWaves + 1) && t.running.size === concurrency);
    t.delivery.complete = async (_def: QueueDefinition, id: string) => void t.calls.push(`complete ${id}`);
    for (const release of stored.splice(0)) release();
    await t.dispatcher.beforeApplicationShutdown();
  });

  it('keeps to each queue’s concurrency and to the global cap, and refills as handlers finish', async () => {
    const t = setup({ a: 2, b: 2 }, { globalConcurrency: 3 });
    t.dispatcher.onApplicationBootstrap();
    t.add('a', 5);
    t.add('b', 5);
    await settle(() => t.running.size === 3);
    const first = byQueue(t.running);
    expect(first.a).toBeLessThanOrEqual(2);
    expect(first.b).toBeLessThanOrEqual(2);
    for (let round = 0; round < 3; round++) {
      const [one] = t.running.values();
      one.finish({ kind: 'complete', result: null });
      await settle(() => t.running.size === 3);
      const now = byQueue(t.running);
      expect(now.a).toBeLessThanOrEqual(2);
      expect(now.b).toBeLessThanOrEqual(2);
    }
    await t.dispatcher.beforeApplicationShutdown();
  });

  it('gives a slot freed under the global cap to a queue that was held back', async () => {
    const t = setup({ busy: 4, quiet: 4 }, { globalConcurrency: 2 });
    t.dispatcher.onApplicationBootstrap();
    t.add('busy', 20);
    await settle(() => t.running.size === 2);
    t.add('quiet', 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(byQueue(t.running)).toEqual({ busy: 2 });
    const [one] = t.running.values();
    one.finish({ kind: 'complete', result: null });
    await settle(() => t.running.size === 2);
    expect(byQueue(t.running)).toEqual({ busy: 1, quiet: 1 });
    await t.dispatcher.beforeApplicationShutdown();
  });

  it('hands each outcome to the delivery service with its lease', async () => {
    const t = setup({ a: 8 });
    t.dispatcher.onApplicationBootstrap();
    t.add('a', 4);
    await settle(() => t.running.size === 4);
    const [ok, failed, timedOut, interrupted] = [...t.running.values()];
    ok.finish({ kind: 'complete', result: { done: true } });
    failed.finish({ kind: 'error', error: { name: 'Boom', message: 'x' } });
    timedOut.finish({ kind: 'timeout', error: { name: 'HandlerTimeout', message: 'y' } });
    interrupted.finish({ kind: 'interrupted', reason: 'other task' });
    await settle(() => t.calls.length === 4);
    expect(t.calls.sort()).toEqual(
      [
        `complete ${ok.task.id} r-${ok.task.id} {"done":true}`,
        `error ${failed.task.id} r-${failed.task.id} Boom`,
        `timeout ${timedOut.task.id} r-${timedOut.task.id} HandlerTimeout`,
        `release ${interrupted.task.id} r-${interrupted.task.id} toEnd=false`,
      ].sort(),
    );
    await t.dispatcher.beforeApplicationShutdown();
  });

  it('stores a huge handler error cut to HANDLER_ERROR_MAX_BYTES with a marker, secrets redacted', async () => {
    const t = setup({ a: 2 });
    t.dispatcher.onApplicationBootstrap();
    t.add('a', 1);
    await settle(() => t.running.size === 1);
    const [run] = [...t.running.values()];
    const message = `${'x'.repeat(HANDLER_ERROR_MAX_BYTES - 60)}s3cret-value${'y'.repeat(5_000_000)}`;
    run.finish({ kind: 'error', error: { name: 'N'.repeat(10_000), message } });
    await settle(() => t.errors.length === 1);
    const [stored] = t.errors;
    expect(Buffer.byteLength(stored.message)).toBeLessThanOrEqual(HANDLER_ERROR_MAX_BYTES);
    expect(stored.message).toMatch(/… \[truncated: \d+ bytes in all\]$/);
    expect(stored.message).not.toContain('s3cret');
    expect(stored.message).toContain('[REDACTED]');
    expect(Buffer.byteLength(stored.name)).toBeLessThanOrEqual(200);
    await t.dispatcher.beforeApplicationShutdown();
  });

  it('on shutdown stops claiming, returns unfinished messages and destroys the pool', async () => {
    const t = setup({ a: 2 });
    t.dispatcher.onApplicationBootstrap();
    t.add('a', 5);
    await settle(() => t.running.size === 2 && t.pending.get('a')!.length === 1);
    const ids = [...t.running.keys()];
    await t.dispatcher.beforeApplicationShutdown();
    // the two running ones, and the two claimed ahead
    expect(t.calls.sort()).toEqual([...ids, 'a-3', 'a-4'].map((id) => `release ${id} r-${id} toEnd=false`).sort());
    expect(t.pool.destroyed).toBe(true);
    const claimsBefore = t.claims.length;
    t.add('a', 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.claims.length).toBe(claimsBefore);
    expect(t.pending.get('a')).toHaveLength(2);
  });

  it('with concurrency > 1 claims up to `concurrency` ahead and starts one without a claim when a slot frees', async () => {
    const t = setup({ a: 2 });
    t.dispatcher.onApplicationBootstrap();
    t.add('a', 6);
    await settle(() => t.running.size === 2 && t.pending.get('a')!.length === 2);
    // from now on a claim answers only when told: the next handler can only start from what was claimed ahead
    const held: Array<() => void> = [];
    t.delivery.claim = () => new Promise((resolve) => held.push(() => resolve([])));
    const [first] = t.running.values();
    first.finish({ kind: 'complete', result: null });
    await settle(() => t.calls.length === 1 && t.running.size === 2);
    expect([...t.running.keys()]).toContain('a-3');
    // half of what was claimed ahead has started: the next claim ahead is under way
    expect(held).toHaveLength(1);
    held.forEach((answer) => answer());
    await t.dispatcher.beforeApplicationShutdown();
  });

  it('gives a claimed-ahead message back instead of starting it once it is older than PREFETCH_MAX_AGE_MS', async () => {
    const clock = new ManualClock();
    const t = setup({ a: 2 }, {}, clock);
    t.dispatcher.onApplicationBootstrap();
    t.add('a', 4);
    await settle(() => t.running.size === 2 && t.pending.get('a')!.length === 0);
    clock.advance(PREFETCH_MAX_AGE_MS + 1);
    const [first] = t.running.values();
    first.finish({ kind: 'complete', result: null });
    await settle(() => t.calls.filter((c) => c.startsWith('release')).length === 2);
    expect(t.calls.filter((c) => c.startsWith('release')).sort()).toEqual(['release a-3 r-a-3 toEnd=false', 'release a-4 r-a-4 toEnd=false']);
    expect([...t.running.keys()]).not.toContain('a-3');
    await t.dispatcher.beforeApplicationShutdown();
  });

  it('with concurrency 1 claims nothing ahead', async () => {
    const t = setup({ b: 1 });
    t.dispatcher.onApplicationBootstrap();
    t.add('b', 3);
    await settle(() => t.running.size === 1);
    expect(t.pending.get('b')).toHaveLength(2);
    await t.dispatcher.beforeApplicationShutdown();
  });

  it('claims nothing when the dispatcher is disabled', async () => {
    const t = setup({ a: 2 }, { dispatcherEnabled: false });
    t.dispatcher.onApplicationBootstrap();
    t.add('a', 2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.claims).toEqual([]);
    expect(t.dispatcher.snapshot()).toEqual([]);
  });
});
