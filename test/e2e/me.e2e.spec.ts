import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestApp, type TestApp } from '../support/app';

describe('GET /api/v1/me: the caller and what its token allows (e2e)', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: { DISPATCHER_ENABLED: 'false' },
      files: { 'queues/shop.queue.json': { client_id: 'shop', roles: { roles: ['order_clerk'] } } },
    });
    admin = await t.token('admin', ['system_admin']);
    expect((await t.http.post('/api/v1/queues').set('Authorization', `Bearer ${admin}`).send({ name: 'orders' })).status).toBe(201);
  });
  afterAll(() => t.close());

  const me = async (token: string, query: Record<string, string> = {}) => t.http.get('/api/v1/me').query(query).set('Authorization', `Bearer ${token}`);

  it('needs a token', async () => {
    const res = await t.http.get('/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it('tells an admin every right', async () => {
    const res = await me(admin, { queue: 'orders', topic: 'news' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      subject: 'admin',
      roles: ['system_admin'],
      clientRoles: {},
      rights: { readCatalog: true, writeCatalog: true },
      queue: { name: 'orders', push: true, consume: true, administer: true },
      topic: { name: 'news', publish: true },
    });
  });

  it('tells a reader it may read and consume but not write or administer', async () => {
    const res = await me(await t.token('rita', ['queue_reader']), { queue: 'orders' });
    expect(res.body.rights).toEqual({ readCatalog: true, writeCatalog: false });
    expect(res.body.queue).toEqual({ name: 'orders', push: false, consume: true, administer: false });
  });

  it('counts grants and client roles, as the routes do', async () => {
    const auth = { Authorization: `Bearer ${admin}` };
    expect((await t.http.put('/api/v1/queues/orders/permissions/gina/administer_queue').set(auth)).status).toBe(204);
    const gina = await me(await t.token('gina', []), { queue: 'orders' });
    expect(gina.body.rights).toEqual({ readCatalog: false, writeCatalog: false });
    expect(gina.body.queue).toEqual({ name: 'orders', push: false, consume: false, administer: true });
    const clerk = await me(await t.token('carl', [], { resource_access: { shop: { roles: ['order_clerk'] } } }), { queue: 'shop' });
    expect(clerk.body.clientRoles).toEqual({ shop: ['order_clerk'] });
    expect(clerk.body.queue).toMatchObject({ push: true, consume: false });
  });

  it('answers 404 for an unknown queue and 400 for a repeated parameter', async () => {
    const missing = await me(admin, { queue: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('QUEUE_NOT_FOUND');
    const repeated = await t.http.get('/api/v1/me?queue=a&queue=b').set('Authorization', `Bearer ${admin}`);
    expect(repeated.status).toBe(400);
    expect(repeated.body.code).toBe('VALIDATION_FAILED');
  });
});

describe('the console is served under /console (e2e)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-console-'));
  let t: TestApp;

  beforeAll(async () => {
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/console/assets/app-1.js"></script>');
    fs.writeFileSync(path.join(dir, 'assets', 'app-1.js'), 'export {};');
    t = await startTestApp({ consoleDir: dir, env: { DISPATCHER_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html without a token, under the strict Content-Security-Policy', async () => {
    expect((await t.http.get('/console')).headers.location).toBe('/console/');
    const index = await t.http.get('/console/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    const asset = await t.http.get('/console/assets/app-1.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('answers a missing file with 404 ROUTE_NOT_FOUND and never lists or escapes the directory', async () => {
    for (const url of ['/console/assets/nope.js', '/console/assets/', '/console/..%2f..%2fpackage.json', '/console/%2e%2e/%2e%2e/package.json']) {
      const res = await t.http.get(url);
      expect([url, res.status]).toEqual([url, 404]);
    }
  });

  it('is off with CONSOLE_ENABLED=false', async () => {
    const off = await startTestApp({ consoleDir: dir, env: { CONSOLE_ENABLED: 'false', DISPATCHER_ENABLED: 'false' } });
    try {
      expect((await off.http.get('/console/')).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
