import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { RulesetsService } from '@app/messages/handlers/toolbox/rulesets.service';
import { GrantStore } from '@app/storage/ports/grant.store';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';

const ORDERS_TOKEN = 'orders-api-token-value';

/** A handler written for Elemental: all eight services on `this`, against local servers. */
const ELEMENTAL_HANDLER = `module.exports = async function (request, context) {
  const sender = await this.idmService.getSender();
  const user = await this.idmService.getUserInfo();
  const again = await this.idmService.getUserInfo(sender.subject);
  const grants = await this.idmService.getGrants(sender.subject);
  const order = await this.integrationService.call('orders', { path: '/orders/' + request.orderId, query: { expand: 'lines' } });
  const viaProvider = await this.serviceProvider.get('orders').request({ method: 'POST', path: '/orders', body: { total: request.total } });
  const decisions = await this.rulesetService.evaluate('routing', { total: request.total, customer: { tier: user.tier } });
  const token = await this.authClientProvider.getAccessToken();
  await this.storageService.set('last-order', order.body.id);
  const routed = await this.messagingService.queueMessage('routed', { orderId: order.body.id, decisions: decisions.map((d) => d.type) });
  return {
    sender, user, cached: again === user || JSON.stringify(again) === JSON.stringify(user), grants,
    order: { status: order.status, body: order.body, type: order.headers['content-type'] },
    created: viaProvider.body,
    decisions,
    tokenLength: token.length,
    stored: await this.storageService.get('last-order'),
    routed: routed.status,
    region: this.environmentService.getEnvironmentVariable('REGION'),
    integrations: await this.integrationService.list(),
  };
}`;

const FAILURES_HANDLER = `module.exports = async function (request, context) {
  const attempt = async (fn) => { try { await fn(); return 'no error'; } catch (e) { return { name: e.name, message: e.message }; } };
  return {
    notAllowed: await attempt(() => this.integrationService.call('elsewhere', { path: '/orders/1' })),
    timeout: await attempt(() => this.integrationService.call('orders', { path: '/slow' })),
    unknown: await attempt(() => this.integrationService.call('nope', {})),
    unknownService: await attempt(() => this.serviceProvider.get('nope').request({})),
    badRuleset: await attempt(() => this.rulesetService.evaluate('broken', { total: 1 })),
    path: await attempt(() => this.integrationService.call('orders', { path: '/admin/users' })),
    traversal: await attempt(() => this.integrationService.call('orders', { path: '/orders/../admin' })),
    method: await attempt(() => this.integrationService.call('orders', { method: 'DELETE', path: '/orders/1' })),
    tooLarge: await attempt(() => this.integrationService.call('orders', { path: '/orders/huge' })),
    badBody: await attempt(() => this.integrationService.call('orders', { method: 'POST', path: '/orders', body: { n: 1n } })),
    badFacts: await attempt(() => this.rulesetService.evaluate('routing', { total: 1n })),
    envSecret: process.env.AUTH_JWT_SECRET === undefined ? 'hidden' : 'visible',
  };
}`;

describe('handlers: the Elemental toolbox (integrations, service provider, rulesets, identity)', () => {
  let t: TestApp;
  let admin: string;
  let server: http.Server;
  let port = 0;
  const seen: { url: string; authorization?: string; method: string; body: string }[] = [];
  let userinfoRequests = 0;
  let flaky = 0;
  const held: http.ServerResponse[] = [];
  const abandoned: string[] = [];
  const errorSpy = jest.spyOn(Logger.prototype, 'error');
  let savedSecret: string | undefined;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const url = req.url ?? '/';
        seen.push({ url, authorization: req.headers.authorization, method: req.method ?? '', body });
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        if (url === '/oauth/token') return json(200, { access_token: 'client-token-1', expires_in: 3600 });
        if (url.startsWith('/userinfo/')) {
          userinfoRequests++;
          if (req.headers.authorization !== 'Bearer client-token-1') return json(401, { error: 'no token' });
          return json(200, { sub: decodeURIComponent(url.slice('/userinfo/'.length)), email: 'alice@example.test', tier: 'gold' });
        }
        if (url === '/api/slow') return void held.push(res);
        if (url === '/api/patient') {
          held.push(res);
          res.on('close', () => abandoned.push(url));
          return;
        }
        if (url === '/api/orders/huge') return json(200, { blob: 'x'.repeat(5000) });
        if (url === '/api/orders/flaky') return ++flaky === 1 ? json(503, { error: 'try again' }) : json(200, { id: 'flaky', tries: flaky });
        if (url.startsWith('/api/orders/') && req.method === 'GET')
          return json(200, { id: url.slice('/api/orders/'.length).split('?')[0], query: url.split('?')[1] ?? '' });
        if (url === '/api/orders' && req.method === 'POST') return json(201, { created: JSON.parse(body) });
        json(404, { error: 'not found' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    savedSecret = process.env.AUTH_JWT_SECRET;
    process.env.AUTH_JWT_SECRET = 'process-env-secret-of-the-service-xxxxxxxxx';

    t = await startTestApp({
      env: {
        INTEGRATION_ALLOWED_HOSTS: `127.0.0.1:${port}`,
        IDM_USERINFO_URL: `${base}/userinfo/{subject}`,
        AUTH_CLIENT_TOKEN_URL: `${base}/oauth/token`,
        AUTH_CLIENT_ID: 'mailroom',
        MAILROOM_SECRET__ORDERS_TOKEN: ORDERS_TOKEN,
        MAILROOM_ENV__REGION: 'eu-west',
      },
      files: {
        'integrations/orders.json': {
          baseUrl: `${base}/api`,
          auth: { type: 'header', header: 'Authorization', secret: 'ORDERS_TOKEN', prefix: 'Bearer ' },
          timeoutMs: 300,
          retries: { attempts: 2, backoffMs: 10 },
          allowedMethods: ['GET', 'POST'],
          allowedPaths: ['/orders', '/slow'],
          maxResponseBytes: 2048,
        },
        'integrations/patient.json': { baseUrl: `${base}/api`, timeoutMs: 120_000 },
        'integrations/elsewhere.json': { baseUrl: `http://127.0.0.2:${port}/api` },
        'integrations/secretless.json': { baseUrl: `${base}/api`, auth: { type: 'header', secret: 'MISSING' } },
        'integrations/oauth.json': { baseUrl: `${base}/api`, auth: { type: 'oauth2-client-credentials' } },
        'rulesets/routing.json': {
          rules: [
            {
              name: 'big',
              conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: 100 }] },
              event: { type: 'review', params: { team: 'finance' } },
              priority: 2,
            },
            { conditions: { any: [{ fact: 'customer', path: '$.tier', operator: 'in', value: ['gold', 'platinum'] }] }, event: { type: 'express' } },
            { conditions: { all: [{ fact: 'total', operator: 'lessThan', value: 0 }] }, event: { type: 'refund' } },
          ],
        },
        'rulesets/broken.json': { rules: [{ conditions: { all: [{ fact: 'total', operator: 'matches', value: '^(a+)+$' }] }, event: { type: 'x' } }] },
        'queues/elemental.queue.json': { name: 'elemental', roles: { needsRole: false } },
        'queues/elemental.queue.js': ELEMENTAL_HANDLER,
        'queues/failures.queue.json': { name: 'failures', roles: { needsRole: false } },
        'queues/failures.queue.js': FAILURES_HANDLER,
        'queues/oauth.queue.json': { name: 'oauth', roles: { needsRole: false } },
        'queues/oauth.queue.js': `module.exports = async function () {
          const flaky = await this.integrationService.call('orders', { path: '/orders/flaky' });
          const viaOauth = await this.integrationService.call('oauth', { path: '/orders/7' });
          return { flaky: flaky.body, oauthStatus: viaOauth.status };
        }`,
        'queues/impatient.queue.json': { name: 'impatient', roles: { needsRole: false }, delivery: { handlerTimeoutSeconds: 1 } },
        'queues/impatient.queue.js': `module.exports = async function () { return this.integrationService.call('patient', { path: '/patient' }); }`,
        'queues/routed.queue.json': { name: 'routed', roles: { needsRole: false } },
      },
    });
    admin = await t.token('alice', ['system_admin']);
    await t.app
      .get(GrantStore)
      .put({ resource: { type: 'queue', name: 'elemental' }, subject: 'alice', action: 'receive', grantedBy: 'test', grantedAt: new Date(0).toISOString() });
  });

  afterAll(async () => {
    errorSpy.mockRestore();
    if (savedSecret === undefined) delete process.env.AUTH_JWT_SECRET;
    else process.env.AUTH_JWT_SECRET = savedSecret;
    for (const res of held) res.destroy();
    await t.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function run(queue: string, body: object) {
    const pushed = await t.http.post(`/api/v1/queues/${queue}/messages`).set('Authorization', `Bearer ${admin}`).send(body);
    expect(pushed.status).toBe(201);
    return waitFor(async () => {
      const res = await t.http.get(`/api/v1/queues/${queue}/messages/${pushed.body.id}`).set('Authorization', `Bearer ${admin}`);
      if (res.body.status === 'ERROR') throw new Error(`handler failed: ${JSON.stringify(res.body.error)}`);
      return res.body.status === 'COMPLETE' ? res.body : null;
    }, 10_000);
  }

  it('runs an Elemental-style handler that uses all eight services', async () => {
    const message = await run('elemental', { orderId: '42', total: 250 });
    const result = message.result;
    expect(result.sender).toEqual({ subject: 'alice', roles: ['system_admin'] });
    expect(result.user).toEqual({ sub: 'alice', email: 'alice@example.test', tier: 'gold' });
    expect(result.cached).toBe(true);
    expect(userinfoRequests).toBe(1);
    expect(result.grants).toEqual([{ resource: { type: 'queue', name: 'elemental' }, action: 'receive' }]);
    expect(result.order).toEqual({ status: 200, body: { id: '42', query: 'expand=lines' }, type: 'application/json' });
    expect(result.created).toEqual({ created: { total: 250 } });
    expect(result.decisions).toEqual([
      { type: 'review', params: { team: 'finance' }, rule: 'big' },
      { type: 'express', params: {}, rule: null },
    ]);
    expect(result).toMatchObject({ tokenLength: 'client-token-1'.length, stored: '42', routed: 'PENDING', region: 'eu-west' });
    expect(result.integrations.sort()).toEqual(['elsewhere', 'oauth', 'orders', 'patient']);
    const orderCall = seen.find((s) => s.url === '/api/orders/42?expand=lines');
    expect(orderCall?.authorization).toBe(`Bearer ${ORDERS_TOKEN}`);
    expect(JSON.stringify(message)).not.toContain(ORDERS_TOKEN);
  });

  it('refuses a host outside INTEGRATION_ALLOWED_HOSTS, times out, and names unknown integrations and bad rulesets', async () => {
    const message = await run('failures', {});
    const result = message.result;
    expect(result.notAllowed).toEqual({
      name: 'IntegrationHostNotAllowed',
      message: 'integration elsewhere: 127.0.0.2:' + port + ' is not in INTEGRATION_ALLOWED_HOSTS',
    });
    expect(result.timeout).toMatchObject({ name: 'IntegrationTimeout' });
    expect(held.length).toBe(3);
    expect(result.unknown).toMatchObject({ name: 'IntegrationNotFound' });
    expect(result.unknownService).toMatchObject({ name: 'IntegrationNotFound' });
    expect(result.badRuleset).toMatchObject({ name: 'RulesetNotFound' });
    expect(result.path).toMatchObject({ name: 'IntegrationPathNotAllowed' });
    expect(result.traversal).toMatchObject({ name: 'IntegrationPathNotAllowed' });
    expect(result.method).toMatchObject({ name: 'IntegrationMethodNotAllowed' });
    expect(result.tooLarge).toMatchObject({ name: 'IntegrationResponseTooLarge' });
    expect(result.badBody).toEqual({ name: 'TypeError', message: 'the body must be a string or JSON' });
    expect(result.badFacts).toEqual({ name: 'TypeError', message: 'the facts must be JSON' });
    expect(result.envSecret).toBe('hidden');
    expect(JSON.stringify(result)).not.toContain(ORDERS_TOKEN);
    const logged = errorSpy.mock.calls.map(([fields]) => fields as { file?: string; err?: Error });
    const skipped = (file: string, reason: string) => logged.some((f) => f.file?.endsWith(file) && f.err?.message.includes(reason));
    expect(skipped(path.join('rulesets', 'broken.json'), 'operator')).toBe(true);
    expect(skipped(path.join('integrations', 'secretless.json'), 'MAILROOM_SECRET__MISSING')).toBe(true);
    expect(JSON.stringify(logged.map((f) => ({ ...f, err: f.err?.message })))).not.toContain(ORDERS_TOKEN);
  });

  it('retries an idempotent call after a 503 and authenticates with the OAuth2 client token', async () => {
    const message = await run('oauth', {});
    expect(message.result).toEqual({ flaky: { id: 'flaky', tries: 2 }, oauthStatus: 200 });
    expect(seen.find((s) => s.url === '/api/orders/7')?.authorization).toBe('Bearer client-token-1');
  });

  it("stops an integration call when the handler's timeout passes", async () => {
    const pushed = await t.http.post('/api/v1/queues/impatient/messages').set('Authorization', `Bearer ${admin}`).send({});
    const failed = await waitFor(async () => {
      const res = await t.http.get(`/api/v1/queues/impatient/messages/${pushed.body.id}`).set('Authorization', `Bearer ${admin}`);
      return res.body.status === 'ERROR' ? res.body : null;
    }, 10_000);
    expect(failed.error).toMatchObject({ name: 'HandlerTimeout' });
    await waitFor(() => abandoned.includes('/api/patient'), 5_000);
  });

  it('reloads a ruleset file when it changes', async () => {
    fs.writeFileSync(
      path.join(t.configDir, 'rulesets', 'broken.json'),
      JSON.stringify({ rules: [{ conditions: { all: [{ fact: 'total', operator: 'equal', value: 1 }] }, event: { type: 'fixed' } }] }),
    );
    const rulesets = t.app.get(RulesetsService);
    await waitFor(() => rulesets.names().includes('broken'), 15_000);
    const message = await run('failures', {});
    expect(message.result.badRuleset).toBe('no error');
  });
});
