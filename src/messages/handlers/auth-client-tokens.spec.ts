import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '@app/config/app.config';
import { AuthClientTokens } from '@app/messages/handlers/auth-client-tokens';

describe('AuthClientTokens', () => {
  let server: http.Server;
  let url: string;
  const bodies: string[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: { access_token: 'tok-1', expires_in: 3600 } };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => {
    bodies.length = 0;
    answer = { status: 200, body: { access_token: 'tok-1', expires_in: 3600 } };
  });

  function tokens(overrides: Partial<AppConfig['authClient']> = {}): AuthClientTokens {
    const authClient = { tokenUrl: url, clientId: 'svc', clientSecret: 'hush', scope: 'a b', audience: 'api', ...overrides };
    return new AuthClientTokens({ authClient } as AppConfig);
  }

  it('asks once for concurrent callers and caches the token', async () => {
    const provider = tokens();
    const all = await Promise.all([provider.getAccessToken(), provider.getAccessToken(), provider.getAccessToken()]);
    expect(all).toEqual(['tok-1', 'tok-1', 'tok-1']);
    await expect(provider.getAccessToken()).resolves.toBe('tok-1');
    expect(bodies).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(bodies[0]))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'svc',
      client_secret: 'hush',
      scope: 'a b',
      audience: 'api',
    });
  });

  it('asks again once the token is about to expire', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'setTimeout', 'clearTimeout'] });
    try {
      const provider = tokens();
      answer = { status: 200, body: { access_token: 'short', expires_in: 100 } };
      await expect(provider.getAccessToken()).resolves.toBe('short');
      jest.setSystemTime(Date.now() + 85_000);
      await expect(provider.getAccessToken()).resolves.toBe('short');
      answer = { status: 200, body: { access_token: 'renewed', expires_in: 100 } };
      jest.setSystemTime(Date.now() + 6_000);
      await expect(provider.getAccessToken()).resolves.toBe('renewed');
      expect(bodies).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports a refusal without the secret, and tries again on the next call', async () => {
    const provider = tokens();
    answer = { status: 401, body: { error: 'invalid_client' } };
    const failure = await provider.getAccessToken().catch((e: Error) => e);
    expect(failure).toMatchObject({ name: 'AuthClientError' });
    expect((failure as Error).message).toContain('401');
    expect((failure as Error).message).toContain('invalid_client');
    expect((failure as Error).message).not.toContain('hush');
    answer = { status: 200, body: { access_token: 'tok-2', expires_in: 3600 } };
    await expect(provider.getAccessToken()).resolves.toBe('tok-2');
  });

  it('says what is missing when it is not configured', async () => {
    await expect(tokens({ tokenUrl: null }).getAccessToken()).rejects.toMatchObject({ name: 'AuthClientNotConfigured' });
  });
});
