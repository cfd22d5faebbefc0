import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AppConfig } from '@app/config/app.config';
import { IntegrationsService } from '@app/messages/handlers/toolbox/integrations.service';

describe('IntegrationsService', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-integrations-'));
  fs.mkdirSync(path.join(dir, 'integrations'));
  fs.writeFileSync(
    path.join(dir, 'integrations', 'api.json'),
    JSON.stringify({ baseUrl: 'http://127.0.0.1:1/v1', retries: { attempts: 2, backoffMs: 0 }, auth: { type: 'header', header: 'x-api-key', secret: 'KEY' } }),
  );
  fs.writeFileSync(path.join(dir, 'integrations', 'named.json'), JSON.stringify({ baseUrl: 'http://localhost:1/v1' }));
  const allowed = ['127.0.0.1:1', 'localhost:1'];
  const config = { configDir: dir, handlerSecrets: { KEY: 'key-value' }, toolbox: { integrationAllowedHosts: allowed } } as unknown as AppConfig;
  const service = new IntegrationsService(config, {} as never);
  const calls: { method: string; headers: Record<string, string> }[] = [];
  let fetchSpy: jest.SpyInstance;

  beforeAll(() => service.reload());
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeEach(() => {
    calls.length = 0;
    fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
      calls.push({ method: String(init?.method), headers: init?.headers as Record<string, string> });
      return new Response('busy', { status: 503 });
    });
  });

  afterEach(() => fetchSpy.mockRestore());

  it('retries idempotent methods only, and sends the secret header the handler cannot override', async () => {
    await expect(service.call('api', { method: 'GET', path: '/x', headers: { 'X-Api-Key': 'forged' } })).resolves.toMatchObject({ status: 503, body: 'busy' });
    expect(calls.map((c) => c.method)).toEqual(['GET', 'GET', 'GET']);
    expect(calls[0].headers['x-api-key']).toBe('key-value');
    calls.length = 0;
    await expect(service.call('api', { method: 'POST', path: '/x', body: { a: 1 } })).resolves.toMatchObject({ status: 503 });
    expect(calls.map((c) => c.method)).toEqual(['POST']);
  });

  it('refuses an allowed name that resolves to a loopback address the allowlist does not name', async () => {
    allowed.splice(0, allowed.length, 'localhost:1');
    try {
      await expect(service.call('named', { path: '/x' })).rejects.toMatchObject({
        name: 'IntegrationHostNotAllowed',
        message: expect.stringContaining('localhost resolves to'),
      });
      expect(calls).toHaveLength(0);
      allowed.push('127.0.0.1:1', '[::1]:1');
      await expect(service.call('named', { path: '/x' })).resolves.toMatchObject({ status: 503 });
    } finally {
      allowed.splice(0, allowed.length, '127.0.0.1:1', 'localhost:1');
    }
  });

  it('refuses paths that leave the base URL before any request', async () => {
    for (const bad of ['/a/%2e%2e/b', '//evil.test/x', '/x?y=1', 'x', '/a\\b']) {
      await expect(service.call('api', { path: bad })).rejects.toMatchObject({ name: 'IntegrationPathNotAllowed' });
    }
    expect(calls).toHaveLength(0);
  });
});
