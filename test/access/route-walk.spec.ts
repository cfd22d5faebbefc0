import { startTestApp, type TestApp } from '../support/app';

type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';
const METHODS: Method[] = ['get', 'post', 'put', 'delete', 'patch'];

/**
 * Walks every /api/v1 route of the OpenAPI document against existing resources:
 * without a token each must answer 401, with a valid token that carries no role 403.
 * A route that answers 2xx to either is broken function-level authorization.
 */
describe('every API route needs a token and a right (e2e route walk)', () => {
  let t: TestApp;
  let admin: string;
  let messageId: string;
  let routes: { method: Method; template: string }[];

  beforeAll(async () => {
    t = await startTestApp({ env: { DISPATCHER_ENABLED: 'false' } });
    admin = await t.token('admin', ['system_admin']);
    const auth = { Authorization: `Bearer ${admin}` };
    expect((await t.http.post('/api/v1/queues').set(auth).send({ name: 'walked' })).status).toBe(201);
    expect(
      (
        await t.http
          .post('/api/v1/topics')
          .set(auth)
          .send({ name: 'walkedtopic', queues: ['walked'] })
      ).status,
    ).toBe(201);
    const pushed = await t.http.post('/api/v1/queues/walked/messages').set(auth).send({ a: 1 });
    messageId = pushed.body.id;
    await t.http.put('/api/v1/queues/walked/permissions/someone/receive').set(auth);

    const docs = await t.http.get('/docs-json');
    expect(docs.status).toBe(200);
    routes = [];
    for (const [template, operations] of Object.entries(docs.body.paths as Record<string, Record<string, unknown>>)) {
      if (!template.startsWith('/api/v1/')) continue;
      for (const method of METHODS) if (operations[method]) routes.push({ method, template });
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  function concrete(template: string): string {
    const isTopic = template.startsWith('/api/v1/topics/');
    return template
      .replace('{queue}', 'walked')
      .replace('{topic}', 'walkedtopic')
      .replace('{id}', messageId)
      .replace('{subject}', 'someone')
      .replace('{action}', isTopic ? 'send_to_topic' : 'receive')
      .replace(/\{[^}]+\}/g, 'x');
  }

  it('finds the routes of every module in the OpenAPI document', () => {
    const templates = new Set(routes.map((r) => `${r.method.toUpperCase()} ${r.template}`));
    for (const expected of [
      'POST /api/v1/queues/{queue}/messages',
      'POST /api/v1/queues/{queue}/messages/receive',
      'POST /api/v1/queues/{queue}/messages/{id}/ack',
      'POST /api/v1/queues/{queue}/messages/ack',
      'POST /api/v1/queues/{queue}/messages/{id}/lease',
      'POST /api/v1/queues/{queue}/messages/purge',
      'POST /api/v1/queues/{queue}/messages/redrive',
      'GET /api/v1/topics',
      'POST /api/v1/topics/{topic}/messages',
      'PUT /api/v1/topics/{topic}/queues/{queue}',
      'PUT /api/v1/queues/{queue}/permissions/{subject}/{action}',
      'GET /api/v1/permissions',
    ]) {
      expect(templates).toContain(expected);
    }
    expect(routes.length).toBeGreaterThanOrEqual(25);
  });

  it('answers 401 without a token on every route', async () => {
    const answers: string[] = [];
    for (const { method, template } of routes) {
      const res = await t.http[method](concrete(template)).send({});
      answers.push(`${method.toUpperCase()} ${template} → ${res.status} ${res.body?.code}`);
    }
    expect(answers.filter((a) => !a.endsWith('→ 401 UNAUTHENTICATED'))).toEqual([]);
  });

  it('answers 403 to a valid token without any role on every route', async () => {
    const nobody = await t.token('nobody', []);
    const answers: string[] = [];
    for (const { method, template } of routes) {
      const res = await t.http[method](concrete(template)).set('Authorization', `Bearer ${nobody}`).query({ subject: 'someone' }).send({});
      answers.push(`${method.toUpperCase()} ${template} → ${res.status} ${res.body?.code}`);
    }
    // GET /me tells any valid token what it may do (and nothing about anyone else)
    expect(answers.filter((a) => !a.endsWith('→ 403 FORBIDDEN'))).toEqual(['GET /api/v1/me → 200 undefined']);
  });

  it('the resources the walk used are still intact', async () => {
    const auth = { Authorization: `Bearer ${admin}` };
    expect((await t.http.get('/api/v1/queues/walked').set(auth)).status).toBe(200);
    expect((await t.http.get('/api/v1/topics/walkedtopic').set(auth)).body.queues).toEqual(['walked']);
    expect((await t.http.get(`/api/v1/queues/walked/messages/${messageId}`).set(auth)).body.status).toBe('PENDING');
  });
});
