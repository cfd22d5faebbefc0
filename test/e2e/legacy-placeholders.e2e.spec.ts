import { startTestApp, type TestApp } from '../support/app';

/** A queue file written when placeholders could name any variable: refused clearly, never filled. */
describe('a queue whose connection string names a variable outside MAILROOM_SQL__ (e2e)', () => {
  const canary = 'legacy-canary-7f3a91';
  const logs: string[] = [];
  let t: TestApp;

  beforeAll(async () => {
    process.env.ORDERS_DB_PASSWORD = canary;
    t = await startTestApp({
      env: { ORDERS_DB_PASSWORD: canary, SQL_ALLOWED_HOSTS: '127.0.0.1', LOG_LEVEL: 'warn', DISPATCHER_ENABLED: 'false' },
      files: {
        'queues/legacy.queue.json': { name: 'legacy', storageEngine: 'sql', connectionString: 'postgres://app:${ORDERS_DB_PASSWORD}@127.0.0.1:5432/app' },
      },
      logDestination: { write: (line) => void logs.push(line) },
    });
  });

  afterAll(async () => {
    await t?.close();
    delete process.env.ORDERS_DB_PASSWORD;
  });

  it('warns at start with structured fields: the queue, and the problem naming the placeholder', () => {
    const warning = logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.queue === 'legacy' && entry.problem !== undefined);
    expect(warning).toMatchObject({
      level: 40,
      context: 'Queues',
      queue: 'legacy',
      msg: 'queue cannot reach its storage until its connectionString is fixed',
    });
    expect(warning?.problem).toEqual(expect.stringContaining('PLACEHOLDER_NOT_ALLOWED'));
    expect(warning?.problem).toEqual(expect.stringContaining('${ORDERS_DB_PASSWORD}'));
  });

  it('answers a push with 400 PLACEHOLDER_NOT_ALLOWED, and never shows the value', async () => {
    const writer = await t.token('w', ['system_admin']);
    const res = await t.http.post('/api/v1/queues/legacy/messages').set('Authorization', `Bearer ${writer}`).send({ a: 1 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('PLACEHOLDER_NOT_ALLOWED');
    const read = await t.http.get('/api/v1/queues/legacy').set('Authorization', `Bearer ${writer}`);
    expect(read.body.connectionString).toBe('postgres://app:***@127.0.0.1:5432/app');
    for (const text of [JSON.stringify(res.body), JSON.stringify(read.body), logs.join('\n')]) expect(text).not.toContain(canary);
  });
});
