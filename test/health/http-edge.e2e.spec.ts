import { Logger } from '@nestjs/common';
import { startTestApp, type TestApp } from '../support/app';

const ORDERS = { 'queues/orders.queue.json': { name: 'orders', roles: { needsRole: false } } };

class Capture {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line));
  }
}

describe('HTTP edge with logging, a rate limit and CORS configured', () => {
  let t: TestApp;
  const logs = new Capture();

  beforeAll(async () => {
    t = await startTestApp({
      env: { LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '3', CORS_ORIGINS: 'https://app.example.com', DISPATCHER_ENABLED: 'false' },
      files: ORDERS,
      logDestination: logs,
    });
  });
  afterAll(() => t.close());

  it('logs JSON lines with the request id (taken or generated), subject, queue and message id, secrets redacted', async () => {
    const token = await t.token('alice', ['system_admin']);
    const pushed = await t.http
      .post('/api/v1/queues/orders/messages')
      .set('Authorization', `Bearer ${token}`)
      .set('x-request-id', 'req-abc.123')
      .set('Cookie', 'session=cookie-value-xyz')
      .send({ a: 1 })
      .expect(201);
    expect(pushed.headers['x-request-id']).toBe('req-abc.123');
    const read = await t.http.get(`/api/v1/queues/orders/messages/${pushed.body.id}`).set('x-access-token', token).expect(200);
    const generated = read.headers['x-request-id'];
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    new Logger('Probe').error('cannot connect to postgres://app:hunter2@127.0.0.2:5432/app');

    const text = logs.lines.join('');
    for (const secret of [token, 'cookie-value-xyz', 'hunter2']) expect(text).not.toContain(secret);
    const records = logs.records();
    const push = records.find((r) => r.requestId === 'req-abc.123' && r.res);
    expect(push).toMatchObject({ subject: 'alice', queue: 'orders', level: 30 });
    expect((push!.req as { headers: Record<string, string> }).headers.authorization).toBe('[REDACTED]');
    expect((push!.req as { headers: Record<string, string> }).headers.cookie).toBe('[REDACTED]');
    const get = records.find((r) => r.requestId === generated && r.res);
    expect(get).toMatchObject({ subject: 'alice', queue: 'orders', messageId: pushed.body.id });
    expect((get!.req as { headers: Record<string, string> }).headers['x-access-token']).toBe('[REDACTED]');
    expect(records.find((r) => String(r.msg).includes('cannot connect'))?.msg).toContain('postgres://app:***@127.0.0.2:5432/app');
  });

  it('redacts tokens sent in the query string from every log line (tokens are never taken from there)', async () => {
    const token = await t.token('alice', ['system_admin']);
    const before = logs.lines.length;
    await t.http.get(`/api/v1/queues?access_token=${token}`).expect(401);
    await t.http.get('/api/v1/queues/orders/messages?limit=5&token=opaque-query-secret').set('Authorization', `Bearer ${token}`).expect(200);
    await t.http.get(`/api/v1/no-such-route?jwt=${token}`).set('Authorization', `Bearer ${token}`).expect(404);
    const lines = logs.lines.slice(before);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const text = lines.join('');
    expect(text).not.toContain(token);
    expect(text).not.toContain('opaque-query-secret');
    const urls = lines.map((line) => (JSON.parse(line) as { req?: { url?: string } }).req?.url).filter(Boolean);
    expect(urls).toEqual(
      expect.arrayContaining(['/api/v1/queues?access_token=***', '/api/v1/queues/orders/messages?limit=5&token=***', '/api/v1/no-such-route?jwt=***']),
    );
  });

  it('does not log probe and scrape requests', async () => {
    const before = logs.lines.length;
    await t.http.get('/healthz').expect(200);
    await t.http.get('/metrics').expect(200);
    expect(logs.lines.slice(before).filter((l) => /"url":"\/(healthz|metrics)"/.test(l))).toEqual([]);
  });

  it('limits each subject to RATE_LIMIT_PER_MINUTE with 429 RATE_LIMITED and Retry-After', async () => {
    const carol = await t.token('carol', ['system_admin']);
    const dave = await t.token('dave', ['system_admin']);
    const first = await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${carol}`).expect(200);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    for (let i = 0; i < 2; i++) await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${carol}`).expect(200);
    const limited = await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${carol}`).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${dave}`).expect(200);
    for (let i = 0; i < 5; i++) await t.http.get('/healthz').expect(200);
  });

  it('sets helmet security headers', async () => {
    const response = await t.http.get('/healthz').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('answers CORS for the configured origin only', async () => {
    const preflight = (origin: string) =>
      t.http.options('/api/v1/queues').set('Origin', origin).set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'authorization');
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const other = await preflight('https://evil.example.org');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('HTTP edge with defaults', () => {
  let t: TestApp;
  const logs = new Capture();

  beforeAll(async () => {
    t = await startTestApp({ env: { DISPATCHER_ENABLED: 'false' }, files: ORDERS, logDestination: logs });
  });
  afterAll(() => t.close());

  it('has no rate limit, no CORS, and stays silent under LOG_LEVEL=silent', async () => {
    const token = await t.token('erin', ['system_admin']);
    for (let i = 0; i < 8; i++) await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${token}`).expect(200);
    const preflight = await t.http.options('/api/v1/queues').set('Origin', 'https://app.example.com').set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    new Logger('Probe').error('should not be written');
    expect(logs.lines).toEqual([]);
  });
});
