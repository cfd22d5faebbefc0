import { startTestApp, type TestApp } from '../support/app';

describe('reserved queue and topic names (e2e)', () => {
  let t: TestApp;
  const lines: string[] = [];
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: { LOG_LEVEL: 'error', DISPATCHER_ENABLED: 'false' },
      files: {
        'queues/system.queue.json': { roles: { needsRole: true } },
        'queues/orders.queue.json': {},
        'topics/queue.topic.json': { queues: ['orders'] },
      },
      logDestination: { write: (line) => void lines.push(line) },
    });
    admin = await t.token('root', ['queue_admin']);
  });
  afterAll(() => t.close());

  it.each(['system', 'queue', 'topic', 'Topic'])('refuses a queue named %s with 400 RESERVED_NAME', async (name) => {
    const response = await t.http.post('/api/v1/queues').set('Authorization', `Bearer ${admin}`).send({ name });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'RESERVED_NAME' });
  });

  it.each(['system', 'queue', 'topic'])('refuses a topic named %s with 400 RESERVED_NAME', async (name) => {
    const response = await t.http.post('/api/v1/topics').set('Authorization', `Bearer ${admin}`).send({ name });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'RESERVED_NAME' });
  });

  it('still accepts names that merely contain a reserved word', async () => {
    await t.http.post('/api/v1/queues').set('Authorization', `Bearer ${admin}`).send({ name: 'system-events' }).expect(201);
    await t.http.post('/api/v1/topics').set('Authorization', `Bearer ${admin}`).send({ name: 'queue_topic' }).expect(201);
  });

  it('skips config files with a reserved name, with an error naming the file', async () => {
    await t.http.get('/api/v1/queues/system').set('Authorization', `Bearer ${admin}`).expect(404);
    await t.http.get('/api/v1/topics/queue').set('Authorization', `Bearer ${admin}`).expect(404);
    await t.http.get('/api/v1/queues/orders').set('Authorization', `Bearer ${admin}`).expect(200);
    const errors = lines
      .map((line) => JSON.parse(line) as { msg: string; file?: string; err?: { message?: string } })
      .map((r) => `${r.msg} ${r.file}: ${r.err?.message}`);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^config file skipped .*system\.queue\.json: .*reserved/),
        expect.stringMatching(/^config file skipped .*queue\.topic\.json: .*reserved/),
      ]),
    );
  });
});
