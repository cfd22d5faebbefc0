import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';

type Engine = 'filesystem' | 'postgres' | 'mariadb';

/** Issue 14 item 7 (part) on every engine: an ack's `error` and a handler's error text are bounded. */
function errorLimits(engine: Engine): void {
  let database: IsolatedDatabase | null = null;
  let t: TestApp;
  let admin: string;
  const auth = () => ({ Authorization: `Bearer ${admin}` });

  beforeAll(async () => {
    database = engine === 'filesystem' ? null : await isolatedDatabase(engine);
    const storage = database ? { storageEngine: 'sql' } : {};
    t = await startTestApp({
      env: database ? { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: database.host } : {},
      files: {
        'queues/pulled.queue.json': { name: 'pulled', ...storage, roles: { needsRole: false } },
        'queues/handled.queue.json': { name: 'handled', ...storage, roles: { needsRole: false } },
        'queues/handled.queue.js': `module.exports = async function () {
          const error = new Error('E'.repeat(5 * 1024 * 1024));
          error.name = 'N'.repeat(1000);
          throw error;
        }`,
      },
    });
    admin = await t.token('alice', ['system_admin']);
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  async function leased(): Promise<{ id: string; receipt: string }> {
    const pushed = await t.http.post('/api/v1/queues/pulled/messages').set(auth()).send({ n: 1 });
    expect(pushed.status).toBe(201);
    const received = await t.http.post('/api/v1/queues/pulled/messages/receive').set(auth()).send({ maxMessages: 1 });
    expect(received.body.messages).toHaveLength(1);
    return received.body.messages[0];
  }

  const ack = (id: string, body: object) => t.http.post(`/api/v1/queues/pulled/messages/${id}/ack`).set(auth()).send(body);

  it('refuses an ack error over 16 KiB with 413 PAYLOAD_TOO_LARGE and changes nothing; stores one within', async () => {
    const { id, receipt } = await leased();
    const big = await ack(id, { receipt, outcome: 'error', error: { message: 'failed', detail: 'x'.repeat(20_000) } });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
    const still = await t.http.get(`/api/v1/queues/pulled/messages/${id}`).set(auth());
    expect(still.body).toMatchObject({ status: 'INPROGRESS', error: null });
    const fits = await ack(id, { receipt, outcome: 'error', error: { message: 'failed', detail: 'x'.repeat(10_000) } });
    expect(fits.status).toBe(200);
    expect(fits.body).toMatchObject({ status: 'ERROR', error: { name: 'ConsumerError', message: 'failed', detail: 'x'.repeat(10_000) } });
  });

  it('refuses an ack result or error nested deeper than MESSAGE_MAX_DEPTH with 400 JSON_TOO_DEEP', async () => {
    const { id, receipt } = await leased();
    let deep: unknown = 1;
    for (let i = 0; i < 101; i++) deep = { a: deep };
    expect((await ack(id, { receipt, outcome: 'complete', result: deep })).body.code).toBe('JSON_TOO_DEEP');
    expect((await ack(id, { receipt, outcome: 'error', error: { message: 'x', deep } })).body.code).toBe('JSON_TOO_DEEP');
    const body = `{"receipt":${JSON.stringify(receipt)},"outcome":"complete","result":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const deeper = await t.http.post(`/api/v1/queues/pulled/messages/${id}/ack`).set(auth()).set('Content-Type', 'application/json').send(body);
    expect(deeper.status).toBe(400);
    expect(deeper.body.code).toBe('JSON_TOO_DEEP');
    expect((await ack(id, { receipt, outcome: 'complete', result: { ok: true } })).body).toMatchObject({ status: 'COMPLETE', result: { ok: true } });
  });

  it("stores a handler's 5 MB error cut to 8 KiB with a marker", async () => {
    const pushed = await t.http.post('/api/v1/queues/handled/messages').set(auth()).send({ n: 1 });
    expect(pushed.status).toBe(201);
    const failed = await waitFor(async () => {
      const res = await t.http.get(`/api/v1/queues/handled/messages/${pushed.body.id}`).set(auth());
      return res.body.status === 'ERROR' ? res.body : null;
    }, 10_000);
    expect(Buffer.byteLength(failed.error.message)).toBeLessThanOrEqual(8192);
    expect(failed.error.message).toMatch(/^E+… \[truncated: \d+ bytes in all\]$/);
    expect(failed.error.name.length).toBeLessThanOrEqual(200);
  });
}

describe('error sizes on the filesystem engine (e2e)', () => errorLimits('filesystem'));
for (const kind of ['postgres', 'mariadb'] as const) describeWithDatabase(kind, `error sizes on a sql queue (${kind}, e2e)`, () => errorLimits(kind));
