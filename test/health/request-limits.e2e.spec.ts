import * as http from 'node:http';
import * as net from 'node:net';
import { signToken, startTestApp, TEST_SECRET, type TestApp } from '../support/app';

const ORDERS = { 'queues/orders.queue.json': { name: 'orders' } };
const BATCH = '/api/v1/queues/orders/messages/batch';
const TWENTY_MB = 20 * 1024 * 1024;

async function listen(t: TestApp): Promise<number> {
  const server = t.app.getHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

interface UploadResult {
  status: number;
  body: Record<string, unknown>;
  /** bytes handed to the socket when the answer arrived */
  sentWhenAnswered: number;
}

/** Streams `total` bytes of a JSON body (with backpressure) until the server answers. */
function upload(port: number, headers: Record<string, string>, total: number): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: BATCH,
      headers: { 'content-type': 'application/json', 'content-length': String(total), ...headers },
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      const sentWhenAnswered = sent;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => (text += part));
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text), sentWhenAnswered }));
      response.on('error', reject);
    });
    // the server closes the connection after answering; writes still under way then fail
    request.on('error', (error) => !answered && reject(error));
    const pump = () => {
      while (!answered && sent < total) {
        const ok = request.write(chunk.subarray(0, Math.min(chunk.length, total - sent)));
        sent += Math.min(chunk.length, total - sent);
        if (!ok) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    pump();
  });
}

describe('bodies of unauthenticated requests are never read (e2e, real HTTP)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp({ env: { DISPATCHER_ENABLED: 'false', AUTH_FAILURE_LIMIT_PER_MINUTE: '0' }, files: ORDERS });
    port = await listen(t);
  });
  afterAll(() => t.close());

  it.each([
    ['no token', async () => ({})],
    ['a bad signature', async () => ({ authorization: `Bearer ${await signToken('another-secret-that-is-long-enough-!!!!', 'mallory', ['system_admin'])}` })],
    ['a garbage x-access-token', async () => ({ 'x-access-token': 'not.a.jwt' })],
  ])('answers a 20 MB batch with %s with 401 before the upload is done', async (_label, headers) => {
    const result = await upload(port, await headers(), TWENTY_MB);
    expect(result.status).toBe(401);
    expect(result.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(result.sentWhenAnswered).toBeLessThan(TWENTY_MB);
  });

  /** A client that sends `Expect: 100-continue` and its body only when told to go on. */
  function expectContinue(headers: Record<string, string>): Promise<{ status: number; continued: boolean }> {
    return new Promise((resolve, reject) => {
      const body = Buffer.from(JSON.stringify({ messages: [{ a: 1 }] }));
      const request = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: BATCH,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length), expect: '100-continue', ...headers },
      });
      let continued = false;
      request.on('continue', () => {
        continued = true;
        request.end(body);
      });
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode!, continued }));
      });
      request.on('error', reject);
    });
  }

  it('never tells an Expect: 100-continue client without a valid token to send its body', async () => {
    await expect(expectContinue({})).resolves.toEqual({ status: 401, continued: false });
    const token = await t.token('alice', ['system_admin']);
    await expect(expectContinue({ authorization: `Bearer ${token}` })).resolves.toEqual({ status: 201, continued: true });
  });

  it('still reads the body of an authenticated request (and refuses one over the limit with 413)', async () => {
    const token = await t.token('alice', ['system_admin']);
    const result = await upload(port, { authorization: `Bearer ${token}` }, TWENTY_MB * 2);
    expect(result.status).toBe(413);
    const small = await t.http
      .post(BATCH)
      .set('Authorization', `Bearer ${token}`)
      .send({ messages: [{ a: 1 }] });
    expect(small.status).toBe(201);
  });
});

describe('failed authentications per address (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { DISPATCHER_ENABLED: 'false', AUTH_FAILURE_LIMIT_PER_MINUTE: '3' }, files: ORDERS });
  });
  afterAll(() => t.close());

  it('answers 429 RATE_LIMITED with Retry-After past the limit, even with the general rate limit off', async () => {
    const bad = await signToken('another-secret-that-is-long-enough-!!!!', 'mallory', ['system_admin']);
    for (let i = 0; i < 2; i++) await t.http.post(BATCH).set('Authorization', `Bearer ${bad}`).send({ messages: [] }).expect(401);
    await t.http.get('/api/v1/queues').expect(401);
    const limited = await t.http.post(BATCH).set('Authorization', `Bearer ${bad}`).send({ messages: [] });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    await t.http.get('/api/v1/queues').expect(429);
  });

  it('never refuses a valid token because others at the address failed', async () => {
    const token = await signToken(TEST_SECRET, 'alice', ['system_admin']);
    await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${token}`).expect(200);
    await t.http
      .post(BATCH)
      .set('Authorization', `Bearer ${token}`)
      .send({ messages: [{ a: 1 }] })
      .expect(201);
  });
});

describe('slow requests are cut off (e2e, real HTTP)', () => {
  let t: TestApp;
  let port: number;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: { DISPATCHER_ENABLED: 'false', HTTP_REQUEST_TIMEOUT_SECONDS: '2', HTTP_HEADERS_TIMEOUT_SECONDS: '1', HTTP_BODY_IDLE_TIMEOUT_SECONDS: '1' },
      files: ORDERS,
    });
    port = await listen(t);
    token = await t.token('alice', ['system_admin']);
  });
  afterAll(() => t.close());

  /** Opens a raw connection, writes `head`, then `drip` every `everyMs` until the server closes; answers what the server sent. */
  function slowClient(head: string, drip: string | null, everyMs = 200): Promise<{ answer: string; ms: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
      let answer = '';
      const timer = drip === null ? null : setInterval(() => socket.writable && socket.write(drip), everyMs);
      socket.setEncoding('utf8');
      socket.on('data', (part: string) => (answer += part));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (timer) clearInterval(timer);
        resolve({ answer, ms: Date.now() - started });
      });
    });
  }

  const headers = (length: number) =>
    `POST /api/v1/queues/orders/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

  it('a body that stops arriving gets 408 REQUEST_TIMEOUT after HTTP_BODY_IDLE_TIMEOUT_SECONDS', async () => {
    const { answer, ms } = await slowClient(`${headers(100)}{"a":`, null);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    expect(ms).toBeLessThan(10_000);
  });

  it('a body trickling in a byte at a time is cut off after HTTP_REQUEST_TIMEOUT_SECONDS', async () => {
    const { answer, ms } = await slowClient(headers(100_000), ' ');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeGreaterThanOrEqual(1_500);
    expect(ms).toBeLessThan(10_000);
  });

  it('headers trickling in are cut off after HTTP_HEADERS_TIMEOUT_SECONDS', async () => {
    const { answer, ms } = await slowClient('POST /api/v1/queues/orders/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: 1\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(10_000);
  });

  it('a normal request still works', async () => {
    await t.http.post('/api/v1/queues/orders/messages').set('Authorization', `Bearer ${token}`).send({ a: 1 }).expect(201);
  });
});
