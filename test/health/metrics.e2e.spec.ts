import { startTestApp, type TestApp } from '../support/app';
import { ManualClock, waitFor } from '../support/time';

/** value of one sample line `name{labels} value` in a Prometheus text exposition */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.indexOf('}'));
    const pairs = Object.fromEntries(
      body.split(',').map((pair) => {
        const eq = pair.indexOf('=');
        return [pair.slice(0, eq), JSON.parse(pair.slice(eq + 1))];
      }),
    );
    if (Object.entries(labels).every(([k, v]) => pairs[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('/metrics', () => {
  let t: TestApp;
  let admin: string;
  const clock = new ManualClock();

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { DISPATCHER_ENABLED: 'false' },
      files: { 'queues/orders.queue.json': { name: 'orders', roles: { needsRole: false } } },
    });
    admin = await t.token('alice', ['system_admin']);
  });
  afterAll(() => t.close());

  const scrape = async () => {
    const response = await t.http.get('/metrics').expect(200);
    expect(response.headers['content-type']).toContain('text/plain');
    return response.text;
  };

  it('is public and not in the OpenAPI document', async () => {
    await t.http.get('/metrics').expect(200);
    const docs = await t.http.get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths)).not.toContain('/metrics');
  });

  it('counts pushes, receives, acks, completions and exposes depth per queue', async () => {
    const before = sample(await scrape(), 'mailroom_messages_pushed_total', { queue: 'orders' }) ?? 0;
    for (let i = 0; i < 3; i++) await t.http.post('/api/v1/queues/orders/messages').set('Authorization', `Bearer ${admin}`).send({ n: i }).expect(201);
    const received = await t.http.post('/api/v1/queues/orders/messages/receive').set('Authorization', `Bearer ${admin}`).send({ maxMessages: 1 }).expect(200);
    const [message] = received.body.messages;
    await t.http
      .post(`/api/v1/queues/orders/messages/${message.id}/ack`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ receipt: message.receipt, outcome: 'complete' })
      .expect(200);

    const cached = await scrape();
    expect(sample(cached, 'mailroom_queue_messages', { queue: 'orders', status: 'PENDING' })).toBe(0);
    clock.advance(10_000);
    const text = await scrape();
    expect(sample(text, 'mailroom_messages_pushed_total', { queue: 'orders' })).toBe(before + 3);
    expect(sample(text, 'mailroom_messages_delivered_total', { queue: 'orders', via: 'receive' })).toBe(1);
    expect(sample(text, 'mailroom_messages_acked_total', { queue: 'orders', outcome: 'complete' })).toBe(1);
    expect(sample(text, 'mailroom_messages_completed_total', { queue: 'orders' })).toBe(1);
    expect(sample(text, 'mailroom_queue_messages', { queue: 'orders', status: 'PENDING' })).toBe(2);
    expect(sample(text, 'mailroom_queue_messages', { queue: 'orders', status: 'COMPLETE' })).toBe(1);
    expect(sample(text, 'mailroom_queue_oldest_pending_age_seconds', { queue: 'orders' })).toBe(10);
  });

  it('labels the HTTP histogram by route template and status, never by raw URL', async () => {
    await t.http.get('/api/v1/queues/orders/messages/00000000-0000-4000-8000-000000000000').set('Authorization', `Bearer ${admin}`).expect(404);
    const text = await waitFor(async () => {
      const body = await scrape();
      return sample(body, 'mailroom_http_request_duration_seconds_count', { route: '/api/v1/queues/:queue/messages/:id', status_code: '404' }) ? body : null;
    });
    expect(
      sample(text, 'mailroom_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/queues/:queue/messages', status_code: '201' }),
    ).toBeGreaterThanOrEqual(3);
    expect(text).not.toContain('00000000-0000-4000-8000-000000000000');
    expect(text).not.toMatch(/route="\/api\/v1\/queues\/orders/);
  });

  it('includes the default process metrics', async () => {
    const text = await scrape();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('keeps one registry per application instance', async () => {
    const other = await startTestApp({
      files: { 'queues/orders.queue.json': { name: 'orders', roles: { needsRole: false } } },
      env: { DISPATCHER_ENABLED: 'false' },
    });
    try {
      const text = (await other.http.get('/metrics').expect(200)).text;
      expect(sample(text, 'mailroom_messages_pushed_total', { queue: 'orders' }) ?? 0).toBe(0);
    } finally {
      await other.close();
    }
  });
});
