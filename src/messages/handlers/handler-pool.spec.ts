import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '@app/config/app.config';
import { DomainError } from '@app/common/domain-error';
import { HandlerPool, type HandlerTask } from '@app/messages/handlers/handler-pool';
import { HandlerServices } from '@app/messages/handlers/handler-services';
import type { HandlerServices as HandlerApi } from 'mailroom';

/** The pool and its worker entry on their own: real worker threads, fake main-thread services. */
describe('HandlerPool', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-pool-'));
  const config = {
    handlerWorkers: 1,
    globalConcurrency: 4,
    messageMaxBytes: 1024,
    handlerEnv: { REGION: 'eu' },
    handlerSecrets: { API_KEY: 's3cret' },
  } as unknown as AppConfig;
  const kv = new Map<string, unknown>();
  const store = {
    kvGet: async (_q: string, key: string) => kv.get(key) ?? null,
    kvSet: async (_q: string, key: string, value: unknown) => void kv.set(key, value),
    kvDelete: async (_q: string, key: string) => kv.delete(key),
    kvList: async () => [...kv.keys()],
  };
  const messages = {
    get: async (queue: string, id: string) => {
      throw new DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
    },
  };
  const services = new HandlerServices(
    { require: () => ({ definition: { name: 'q' } }) } as never,
    messages as never,
    { forQueue: () => store } as never,
    { getAccessToken: async () => 'token-1' } as never,
    {
      get: () => {
        throw new Error('no provider');
      },
    } as never,
    config,
    {} as never,
    {} as never,
    {} as never,
  );
  const pool = new HandlerPool(config, services);
  const shutdown = new AbortController();
  let seq = 0;

  function handler(source: string, version = 1): { handlerPath: string; handlerVersion: number } {
    const handlerPath = path.join(dir, `h${++seq}.queue.js`);
    fs.writeFileSync(handlerPath, source);
    return { handlerPath, handlerVersion: version };
  }

  function task(h: { handlerPath: string; handlerVersion: number }, extra: Partial<HandlerTask> = {}): HandlerTask {
    const id = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
    const run = services.begin(id, 'q');
    return { ...h, id, queue: 'q', attempt: 1, request: { n: 1 }, timeoutMs: 2000, maxResultBytes: 1024, run, ...extra };
  }

  beforeAll(() => {
    for (const level of ['log', 'warn', 'error'] as const) jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    services.detachAll();
    await pool.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resolves, rejects and throws as complete and error outcomes', async () => {
    const ok = handler('module.exports = async function (m, c) { return { doubled: m.n * 2, attempt: c.attempt, queue: c.queue } }');
    await expect(pool.run(task(ok), shutdown.signal)).resolves.toEqual({ kind: 'complete', result: { doubled: 2, attempt: 1, queue: 'q' } });
    const rejects = handler('module.exports = async () => { const e = new Error("nope"); e.name = "Refused"; throw e; }');
    await expect(pool.run(task(rejects), shutdown.signal)).resolves.toEqual({ kind: 'error', error: { name: 'Refused', message: 'nope' } });
    const throwsString = handler('module.exports = function () { throw "plain" }');
    await expect(pool.run(task(throwsString), shutdown.signal)).resolves.toEqual({ kind: 'error', error: { name: 'Error', message: 'plain' } });
    const notAFunction = handler('module.exports = 42');
    await expect(pool.run(task(notAFunction), shutdown.signal)).resolves.toMatchObject({ kind: 'error', error: { name: 'HandlerLoadError' } });
  });

  it("keeps the service's environment out of a handler's process.env", async () => {
    const saved = { AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET, DATABASE_URL: process.env.DATABASE_URL };
    process.env.AUTH_JWT_SECRET = 'jwt-secret-of-the-service-0123456789abcdef';
    process.env.DATABASE_URL = 'postgres://mailroom:db-password@127.0.0.1:5432/test';
    try {
      const fresh = new HandlerPool(config, services);
      const reader = handler(
        'module.exports = async () => ({ jwt: process.env.AUTH_JWT_SECRET ?? null, db: process.env.DATABASE_URL ?? null, names: Object.keys(process.env) })',
      );
      const outcome = await fresh.run(task(reader), shutdown.signal);
      await fresh.destroy();
      expect(outcome).toMatchObject({ kind: 'complete', result: { jwt: null, db: null } });
      const names = (outcome as { result: { names: string[] } }).result.names;
      expect(names.every((name) => ['NODE_ENV', 'TZ', 'LANG', 'LC_ALL', 'NODE_PATH'].includes(name))).toBe(true);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('gives a handler every service and method the shipped types declare', async () => {
    const declared: { [K in keyof HandlerApi]: (keyof HandlerApi[K])[] } = {
      messagingService: ['queueMessage', 'getMessage', 'deleteMessage', 'publish'],
      environmentService: ['getEnvironmentVariable', 'listEnvironmentVariables', 'getSecret', 'listSecrets'],
      storageService: ['get', 'set', 'delete', 'list'],
      authClientProvider: ['getAccessToken'],
      integrationService: ['call', 'list'],
      serviceProvider: ['get', 'list'],
      rulesetService: ['evaluate'],
      idmService: ['getSender', 'getGrants', 'getUserInfo'],
      logger: ['info', 'log', 'warn', 'error', 'debug'],
    };
    const lister = handler(
      'module.exports = async function () { return Object.fromEntries(Object.entries(this).map(([k, v]) => [k, Object.keys(v).sort()])) }',
    );
    const outcome = await pool.run(task(lister), shutdown.signal);
    const sorted = Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, [...v].sort()]));
    expect(outcome).toEqual({ kind: 'complete', result: sorted });
  });

  it('refuses a result larger than the limit', async () => {
    const big = handler('module.exports = async () => "x".repeat(5000)');
    await expect(pool.run(task(big), shutdown.signal)).resolves.toMatchObject({ kind: 'error', error: { name: 'ResultTooLarge' } });
  });

  it('reloads a handler when its version changes', async () => {
    const h = handler('module.exports = async () => "v1"', 1);
    await expect(pool.run(task(h), shutdown.signal)).resolves.toEqual({ kind: 'complete', result: 'v1' });
    fs.writeFileSync(h.handlerPath, 'module.exports = async () => "v2"');
    await expect(pool.run(task(h), shutdown.signal)).resolves.toEqual({ kind: 'complete', result: 'v1' });
    await expect(pool.run(task({ ...h, handlerVersion: 2 }), shutdown.signal)).resolves.toEqual({ kind: 'complete', result: 'v2' });
  });

  it('times out a cooperative handler, aborting context.signal, without losing the worker', async () => {
    const h = handler('module.exports = (m, c) => new Promise((_, reject) => c.signal.addEventListener("abort", () => reject(c.signal.reason)))');
    const outcome = await pool.run(task(h, { timeoutMs: 50 }), shutdown.signal);
    expect(outcome).toMatchObject({ kind: 'timeout', error: { name: 'HandlerTimeout' } });
  });

  it('terminates a worker stuck in an endless loop; the next task runs on a fresh worker', async () => {
    const loop = handler('module.exports = () => { for (;;) {} }');
    const ok = handler('module.exports = async () => "alive"');
    const outcome = await pool.run(task(loop, { timeoutMs: 100 }), shutdown.signal);
    expect(outcome).toMatchObject({ kind: 'timeout', error: { name: 'HandlerTimeout' } });
    await expect(pool.run(task(ok), shutdown.signal)).resolves.toEqual({ kind: 'complete', result: 'alive' });
  });

  it('runs several asynchronous handlers at once on one worker', async () => {
    const waiter = handler('module.exports = async () => { while (!globalThis.released) await new Promise((r) => setTimeout(r, 5)); return "released" }');
    const releaser = handler('module.exports = async () => { globalThis.released = true; return "set" }');
    const both = Promise.all([pool.run(task(waiter, { timeoutMs: 1000 }), shutdown.signal), pool.run(task(releaser), shutdown.signal)]);
    await expect(both).resolves.toEqual([
      { kind: 'complete', result: 'released' },
      { kind: 'complete', result: 'set' },
    ]);
  });

  it('returns the other tasks of a worker terminated for a runaway handler as interrupted', async () => {
    const slow = handler('module.exports = () => new Promise((r) => setTimeout(r, 5000))');
    const loop = handler('module.exports = () => { for (;;) {} }');
    const bystander = pool.run(task(slow, { timeoutMs: 10_000 }), shutdown.signal);
    const runaway = pool.run(task(loop, { timeoutMs: 100 }), shutdown.signal);
    await expect(runaway).resolves.toMatchObject({ kind: 'timeout', error: { name: 'HandlerTimeout' } });
    await expect(bystander).resolves.toMatchObject({ kind: 'interrupted' });
  });

  it('reports a worker that exits as crashed, and keeps serving', async () => {
    const crash = handler('module.exports = () => { process.exit(3) }');
    const ok = handler('module.exports = async () => "alive"');
    await expect(pool.run(task(crash), shutdown.signal)).resolves.toMatchObject({ kind: 'crashed', error: { name: 'WorkerCrashed' } });
    await expect(pool.run(task(ok), shutdown.signal)).resolves.toEqual({ kind: 'complete', result: 'alive' });
  });

  it('reports a handler that exhausts its worker’s memory as crashed, and keeps serving', async () => {
    class SmallPool extends HandlerPool {
      protected resourceLimits() {
        return { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 };
      }
    }
    const small = new SmallPool(config, services);
    try {
      const hog = handler('module.exports = async () => { const keep = []; for (;;) keep.push(new Array(10000).fill({ x: Math.random() })) }');
      const outcome = await small.run(task(hog, { timeoutMs: 20_000 }), shutdown.signal);
      expect(outcome).toMatchObject({ kind: 'crashed', error: { name: 'WorkerCrashed' } });
      const ok = handler('module.exports = async () => "alive"');
      await expect(small.run(task(ok), shutdown.signal)).resolves.toEqual({ kind: 'complete', result: 'alive' });
    } finally {
      await small.destroy();
    }
  });

  it('fails the attempt of a message whose worker cannot even start (no endless returns)', async () => {
    class BrokenPool extends HandlerPool {
      protected workerEntry() {
        return path.join(dir, 'no-such-worker.js');
      }
    }
    const broken = new BrokenPool(config, services);
    try {
      const ok = handler('module.exports = async () => "never"');
      await expect(broken.run(task(ok), shutdown.signal)).resolves.toMatchObject({ kind: 'error', error: { name: 'HandlerNotStarted' } });
    } finally {
      await broken.destroy();
    }
  });

  it('fails the attempt of a message that cannot be handed to a worker (too deep to clone)', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const ok = handler('module.exports = async () => "never"');
    const outcome = await pool.run(task(ok, { request: deep }), shutdown.signal);
    expect(outcome).toMatchObject({ kind: 'error', error: { name: 'HandlerNotStarted', message: expect.stringMatching(/call stack/) } });
    await expect(pool.run(task(ok), shutdown.signal)).resolves.toEqual({ kind: 'complete', result: 'never' });
  });

  it('gives handlers their services on `this`', async () => {
    const h = handler(`module.exports = async function () {
      await this.storageService.set('k', { v: 1 });
      let missing;
      try { await this.messagingService.getMessage('q', 'nope'); } catch (e) { missing = e.name + ':' + e.code; }
      return {
        region: this.environmentService.getEnvironmentVariable('REGION'),
        env: this.environmentService.listEnvironmentVariables(),
        secret: await this.environmentService.getSecret('API_KEY'),
        secrets: this.environmentService.listSecrets(),
        stored: await this.storageService.get('k'),
        keys: await this.storageService.list(),
        token: await this.authClientProvider.getAccessToken(),
        missing,
      };
    }`);
    await expect(pool.run(task(h), shutdown.signal)).resolves.toEqual({
      kind: 'complete',
      result: {
        region: 'eu',
        env: { REGION: 'eu' },
        secret: 's3cret',
        secrets: ['API_KEY'],
        stored: { v: 1 },
        keys: ['k'],
        token: 'token-1',
        missing: 'MailroomError:MESSAGE_NOT_FOUND',
      },
    });
  });

  it('refuses service calls for a message whose handler has finished', async () => {
    const h = handler('module.exports = async function () { return this.storageService.get("k").catch((e) => e.name) }');
    const t = task(h);
    services.end(t.run);
    await expect(pool.run(t, shutdown.signal)).resolves.toEqual({ kind: 'complete', result: 'HandlerFinished' });
  });

  it('keeps serving a new run of a message when an older run of the same message ends', async () => {
    const h = handler('module.exports = async function () { return this.storageService.get("absent") }');
    const first = task(h);
    const retry = { ...first, attempt: 2, run: services.begin(first.id, 'q') };
    services.end(first.run);
    await expect(pool.run(retry, shutdown.signal)).resolves.toEqual({ kind: 'complete', result: null });
  });

  it('returns running tasks as interrupted on shutdown', async () => {
    const stop = new AbortController();
    const h = handler('module.exports = () => new Promise(() => {})');
    const running = pool.run(task(h, { timeoutMs: 10_000 }), stop.signal);
    stop.abort();
    await expect(running).resolves.toEqual({ kind: 'interrupted', reason: 'shutting down' });
  });
});
