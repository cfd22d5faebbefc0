import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { startTestApp, TEST_SECRET, type TestApp } from '../support/app';
import { CLI, ensureBuilt, ROOT } from '../support/build';
import { closedPort } from '../support/net';
import { waitFor } from '../support/time';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The real `mailroom` binary (dist/cli/main.js, the package's bin) run as a child process against
 * the real app listening on an ephemeral loopback port.
 */
describe('mailroom CLI (e2e, the built binary against a running server)', () => {
  let t: TestApp;
  let url: string;
  let token: string;

  function run(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [CLI, ...args],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', MAILROOM_URL: url, MAILROOM_TOKEN: token, ...env }, timeout: 30_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 99) : 0, stdout, stderr }),
      );
      if (input !== undefined) child.stdin!.end(input);
    });
  }
  const json = async (args: string[], env: Record<string, string> = {}) => {
    const result = await run(['--json', ...args], env);
    if (result.code !== 0) throw new Error(`mailroom ${args.join(' ')} → exit ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    await ensureBuilt();
    t = await startTestApp({ env: { DISPATCHER_ENABLED: 'false' } });
    url = await t.listen();
    token = '';
    const minted = await run(['token', '--sub', 'ops', '--roles', 'system_admin', '--json'], { AUTH_JWT_SECRET: TEST_SECRET, DATA_DIR: t.dataDir });
    expect(minted.code).toBe(0);
    token = JSON.parse(minted.stdout).token;
    const auth = { Authorization: `Bearer ${token}` };
    expect(
      (
        await t.http
          .post('/api/v1/queues')
          .set(auth)
          .send({ name: 'orders', incoming: { schema: { type: 'object', required: ['sku'] } } })
      ).status,
    ).toBe(201);
    for (const name of ['work-dead', 'tailed', 'purged']) expect((await t.http.post('/api/v1/queues').set(auth).send({ name })).status).toBe(201);
    expect(
      (
        await t.http
          .post('/api/v1/queues')
          .set(auth)
          .send({ name: 'work', delivery: { deadLetterQueue: 'work-dead' } })
      ).status,
    ).toBe(201);
  }, 200_000);
  afterAll(async () => {
    await t?.close();
  });

  it('token mints a token the server accepts (me shows its subject and roles)', async () => {
    const me = await json(['me']);
    expect(me).toMatchObject({ subject: 'ops', roles: ['system_admin'], rights: { readCatalog: true, writeCatalog: true } });
    const human = await run(['me']);
    expect(human.stdout).toContain('ops (system_admin)');
  });

  it('push stores a message (argument, stdin) and queues shows the depth, as a table and as JSON', async () => {
    const pushed = await json(['push', 'orders', '{"sku":"A1"}']);
    expect(pushed).toMatchObject({ queue: 'orders', status: 'PENDING', request: { sku: 'A1' }, sentBy: 'ops' });
    const fromStdin = await run(['push', 'orders', '-'], {}, '{"sku":"A2"}');
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    const queues = await json(['queues']);
    expect(queues.find((q: { name: string }) => q.name === 'orders')).toMatchObject({
      storageEngine: 'filesystem',
      hasHandler: false,
      counts: { PENDING: 2, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 },
    });
    const table = await run(['queues']);
    expect(table.stdout.split('\n')[0]).toMatch(/^QUEUE\s+ENGINE\s+HANDLER\s+PENDING\s+INPROGRESS\s+COMPLETE\s+ERROR\s+OLDEST$/);
    expect(table.stdout).toMatch(/orders\s+filesystem\s+no\s+2\s+0\s+0\s+0/);
  });

  it('exit codes: 2 not found, 3 no or bad token, 4 rejected by the schema, 1 usage, 5 unavailable', async () => {
    const missing = await run(['--json', 'push', 'nope', '{}']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({ statusCode: 404, code: 'QUEUE_NOT_FOUND' });
    const noToken = await run(['queues'], { MAILROOM_TOKEN: '' });
    expect(noToken.code).toBe(3);
    expect(noToken.stderr).toContain('UNAUTHENTICATED');
    const badToken = await run(['--token', 'not-a-jwt', 'queues']);
    expect(badToken.code).toBe(3);
    const reader = await t.token('rita', ['queue_reader']);
    const forbidden = await run(['purge', 'orders', '--yes'], { MAILROOM_TOKEN: reader });
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('FORBIDDEN');
    const invalid = await run(['--json', 'push', 'orders', '{"x":1}']);
    expect(invalid.code).toBe(4);
    expect(JSON.parse(invalid.stderr)).toMatchObject({ statusCode: 422, code: 'MESSAGE_SCHEMA_INVALID' });
    expect((await run(['push', 'orders', '{not json'])).code).toBe(1);
    expect((await run(['frobnicate'])).code).toBe(1);
    expect((await run(['receive', 'orders', '--max', '99'])).code).toBe(1);
    const down = await run(['queues'], { MAILROOM_URL: `http://127.0.0.1:${await closedPort()}` });
    expect(down.code).toBe(5);
    expect(down.stderr).toContain('UNAVAILABLE');
    expect(down.stderr).not.toContain(token);
  });

  it('receive leases a message and ack settles it with a result', async () => {
    const [message] = await json(['receive', 'orders', '--max', '1', '--visibility', '60']);
    expect(message).toMatchObject({ status: 'INPROGRESS', receipt: expect.any(String) });
    const acked = await json(['ack', 'orders', message.id, '--receipt', message.receipt, '--result', '{"ok":true}']);
    expect(acked).toMatchObject({ id: message.id, status: 'COMPLETE', result: { ok: true } });
    const stale = await run(['ack', 'orders', message.id, '--receipt', message.receipt]);
    expect(stale.code).toBe(4);
  });

  it('tail follows new messages and their results until stopped', async () => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, '--json', 'tail', 'tailed', '--interval', '100'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', MAILROOM_URL: url, MAILROOM_TOKEN: token },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    try {
      await waitFor(() => stderr.includes('following tailed'), 15_000);
      expect(stdout).toBe('');
      const pushed = await json(['push', 'tailed', '{"n":1}']);
      const events = () =>
        stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { event: string; message: { id: string; status: string; result: unknown } });
      await waitFor(() => events().some((e) => e.event === 'new' && e.message.id === pushed.id), 15_000);
      const [leased] = await json(['receive', 'tailed', '--max', '1']);
      expect(leased.id).toBe(pushed.id);
      await json(['ack', 'tailed', leased.id, '--receipt', leased.receipt, '--result', '{"done":1}']);
      await waitFor(() => events().some((e) => e.event === 'changed' && e.message.id === pushed.id && e.message.status === 'COMPLETE'), 15_000);
      expect(events().find((e) => e.message.status === 'COMPLETE')!.message.result).toEqual({ done: 1 });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('tail piped into a reader that goes away (| head) ends with exit 0, not an EPIPE crash', async () => {
    const child = spawn(process.execPath, [CLI, '--json', 'tail', 'tailed', '--from-start', '--interval', '100'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', MAILROOM_URL: url, MAILROOM_TOKEN: token },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      child.stdout.destroy();
      await json(['push', 'tailed', '{"n":2}']);
      expect(await exited).toBe(0);
      expect(stderr).not.toContain('EPIPE');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('purge needs --yes, deletes in bounded requests and reports progress', async () => {
    expect((await run(['purge', 'purged'])).code).toBe(1);
    await json(['push', 'purged', '{"sku":"P1"}']);
    await json(['push', 'purged', '{"sku":"P2"}']);
    const result = await run(['--json', 'purge', 'purged', '--status', 'PENDING', '--yes']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ queue: 'purged', status: 'PENDING', deleted: 2, done: true });
    expect(result.stderr).toContain('purge purged: 2 deleted, done');
    expect((await json(['queues'])).find((q: { name: string }) => q.name === 'purged').counts.PENDING).toBe(0);
    expect((await run(['-q', 'purge', 'purged', '--yes'])).stderr).toBe('');
  });

  it('redrive sends dead letters back to their queue', async () => {
    const pushed = await json(['push', 'work', '{"job":1}']);
    const [leased] = await json(['receive', 'work']);
    await json(['ack', 'work', leased.id, '--receipt', leased.receipt, '--outcome', 'error', '--error', 'boom']);
    expect((await json(['queues'])).find((q: { name: string }) => q.name === 'work-dead').counts.PENDING).toBe(1);
    const result = await run(['--json', 'redrive', 'work-dead', '--source', 'work']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ queue: 'work-dead', redriven: 1, requeued: 1, skipped: [], done: true });
    expect(result.stderr).toContain('redrive work-dead: 1 redriven');
    const back = await t.http.get(`/api/v1/queues/work/messages/${pushed.id}`).set('Authorization', `Bearer ${token}`);
    expect(back.body.status).toBe('PENDING');
    expect((await run(['redrive', 'nope'])).code).toBe(2);
  });

  it('grants: grant, list (per queue and per subject), revoke', async () => {
    expect((await json(['grants', 'grant', 'bob', 'receive', '--queue', 'orders'])).granted).toBe(true);
    const list = await json(['grants', 'list', '--queue', 'orders']);
    expect(list).toEqual([expect.objectContaining({ subject: 'bob', action: 'receive', grantedBy: 'ops', resource: { type: 'queue', name: 'orders' } })]);
    expect(await json(['grants', '--subject', 'bob'])).toHaveLength(1);
    expect((await run(['grants', 'list', '--queue', 'orders'])).stdout).toMatch(/queue:orders\s+bob\s+receive\s+ops/);
    await json(['grants', 'revoke', 'bob', 'receive', '--queue', 'orders']);
    expect(await json(['grants', 'list', '--queue', 'orders'])).toEqual([]);
    expect((await run(['grants', 'grant', 'bob', 'fly', '--queue', 'orders'])).code).toBe(4);
    expect((await run(['grants', 'list', '--queue', 'nope'])).code).toBe(2);
    expect((await run(['grants', 'list'])).code).toBe(1);
  });

  it('--help lists every command and the exit codes', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['queues', 'push', 'tail', 'receive', 'ack', 'purge', 'redrive', 'grants', 'token']) expect(help.stdout).toContain(`  ${command}`);
    expect(help.stdout).toContain('Exit codes: 0 ok');
  });
});
