import request from 'supertest';
import { MetricsServer } from '@app/health/metrics-server';
import { startTestApp, type TestApp } from '../support/app';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
const ORDERS = { 'queues/orders.queue.json': { name: 'orders', roles: { needsRole: false } } };

describe('METRICS_TOKEN: /metrics needs the bearer token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN, DISPATCHER_ENABLED: 'false' } });
  });
  afterAll(() => t.close());

  it('answers 401 UNAUTHENTICATED without it or with another token, and the metrics with it', async () => {
    const none = await t.http.get('/metrics').expect(401);
    expect(none.body.code).toBe('UNAUTHENTICATED');
    expect(none.text).not.toContain(METRICS_TOKEN);
    await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`).expect(401);
    // a user's JWT is not the scrape token either
    await t.http
      .get('/metrics')
      .set('Authorization', `Bearer ${await t.token('alice', ['system_admin'])}`)
      .expect(401);
    const scraped = await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(scraped.text).toContain('mailroom_http_request_duration_seconds');
  });
});

describe('METRICS_PORT: /metrics on a listener of its own', () => {
  let t: TestApp;
  let metrics: ReturnType<typeof request>;
  let port: number;
  beforeAll(async () => {
    // any non-zero METRICS_PORT moves /metrics off PORT; the test binds the listener to an ephemeral port
    t = await startTestApp({ env: { METRICS_PORT: '65535', METRICS_TOKEN, DISPATCHER_ENABLED: 'false' }, files: ORDERS });
    port = (await t.app.get(MetricsServer).listen(0, '127.0.0.1')).port;
    metrics = request(`http://127.0.0.1:${port}`);
  });
  afterAll(() => t.close());

  it('serves /metrics there (token still required) and nothing else', async () => {
    expect((await metrics.get('/metrics').expect(401)).body.code).toBe('UNAUTHENTICATED');
    const scraped = await metrics.get('/metrics?x=1').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain/);
    expect(scraped.text).toContain('mailroom_messages_pushed_total');
    for (const path of ['/api/v1/queues', '/docs/', '/healthz']) {
      expect((await metrics.get(path).expect(404)).body.code).toBe('ROUTE_NOT_FOUND');
    }
    expect((await metrics.post('/metrics').expect(404)).body.code).toBe('ROUTE_NOT_FOUND');
  });

  it('answers 404 ROUTE_NOT_FOUND for /metrics on PORT, where the API still works', async () => {
    expect((await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(404)).body.code).toBe('ROUTE_NOT_FOUND');
    const token = await t.token('alice', ['system_admin']);
    await t.http.post('/api/v1/queues/orders/messages').set('Authorization', `Bearer ${token}`).send({ a: 1 }).expect(201);
    const scraped = await metrics.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(scraped.text).toMatch(/mailroom_messages_pushed_total\{queue="orders"\} 1/);
  });
});

describe('DOCS_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { DOCS_ENABLED: 'false', DISPATCHER_ENABLED: 'false' } });
  });
  afterAll(() => t.close());

  it('serves neither Swagger UI nor the OpenAPI document', async () => {
    for (const path of ['/docs', '/docs/', '/docs-json', '/docs-yaml']) {
      const response = await t.http.get(path);
      expect(response.status).toBe(404);
      expect(response.text).not.toMatch(/swagger|openapi/i);
    }
    await t.http.get('/healthz').expect(200);
  });
});

class Capture {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}

describe.each([
  ['off (the default)', undefined, false],
  ['a proxy range the client is not in', '10.0.0.0/8', false],
  ['loopback', 'loopback', true],
  ['one hop', '1', true],
])('TRUST_PROXY %s: the request log', (_label, trustProxy, trusted) => {
  let t: TestApp;
  const logs = new Capture();
  beforeAll(async () => {
    t = await startTestApp({
      env: { LOG_LEVEL: 'info', DISPATCHER_ENABLED: 'false', ...(trustProxy ? { TRUST_PROXY: trustProxy } : {}) },
      files: ORDERS,
      logDestination: logs,
    });
  });
  afterAll(() => t.close());

  it(`${trusted ? 'takes' : 'ignores'} the client address in X-Forwarded-For`, async () => {
    const token = await t.token('alice', ['system_admin']);
    await t.http
      .get('/api/v1/queues/orders/stats')
      .set('Authorization', `Bearer ${token}`)
      .set('x-request-id', 'xff-probe')
      .set('X-Forwarded-For', '203.0.113.7')
      .expect(200);
    const line = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.requestId === 'xff-probe');
    expect(line).toBeDefined();
    if (trusted) expect(line!.clientAddress).toBe('203.0.113.7');
    else expect(line!.clientAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });
});

describe.each([
  ['off (the default)', undefined, false],
  ['loopback', 'loopback', true],
])('TRUST_PROXY %s: the per-address limit of failed authentications', (_label, trustProxy, trusted) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { AUTH_FAILURE_LIMIT_PER_MINUTE: '2', DISPATCHER_ENABLED: 'false', ...(trustProxy ? { TRUST_PROXY: trustProxy } : {}) },
      files: ORDERS,
    });
  });
  afterAll(() => t.close());

  const failFrom = (client: string) => t.http.get('/api/v1/queues/orders/stats').set('Authorization', 'Bearer not-a-token').set('X-Forwarded-For', client);

  it(`${trusted ? 'counts each forwarded client on its own' : 'counts the connection address, whatever X-Forwarded-For says'}`, async () => {
    await failFrom('203.0.113.1').expect(401);
    await failFrom('203.0.113.1').expect(401);
    expect((await failFrom('203.0.113.1').expect(429)).body.code).toBe('RATE_LIMITED');
    // another client behind the same ingress; an untrusted header cannot buy a fresh budget
    const other = await failFrom('203.0.113.2');
    expect(other.status).toBe(trusted ? 401 : 429);
  });
});
