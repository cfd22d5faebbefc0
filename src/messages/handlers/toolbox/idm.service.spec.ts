import type { AppConfig } from '@app/config/app.config';
import { IdmService } from '@app/messages/handlers/toolbox/idm.service';

describe('IdmService', () => {
  const config = { toolbox: { idmUserinfoUrl: 'http://127.0.0.1:1/users/{subject}', idmCacheTtlSeconds: 60, idmCacheMaxEntries: 2 } } as unknown as AppConfig;
  const tokens = { getAccessToken: async () => 'client-token' };
  const grants = { list: async () => [{ resource: { type: 'queue', name: 'q' }, subject: 'alice', action: 'receive', grantedBy: 'root', grantedAt: 'x' }] };
  let fetchSpy: jest.SpyInstance;
  const urls: string[] = [];

  beforeEach(() => {
    urls.length = 0;
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      urls.push(String(input));
      return new Response(JSON.stringify({ sub: decodeURIComponent(String(input).split('/').pop() ?? '') }), {
        headers: { 'content-type': 'application/json' },
      });
    });
  });

  afterEach(() => {
    fetchSpy.mockRestore();
    jest.useRealTimers();
  });

  it('caches user info per subject for the TTL, keeping at most the configured number of subjects', async () => {
    const idm = new IdmService(config, grants as never, tokens as never);
    await expect(idm.getUserInfo('a/b')).resolves.toEqual({ sub: 'a/b' });
    await idm.getUserInfo('a/b');
    expect(urls).toEqual(['http://127.0.0.1:1/users/a%2Fb']);
    await idm.getUserInfo('bob');
    await idm.getUserInfo('carol');
    await idm.getUserInfo('a/b');
    expect(urls).toHaveLength(4);
    jest.advanceTimersByTime(61_000);
    await idm.getUserInfo('carol');
    expect(urls).toHaveLength(5);
  });

  it('keeps nothing with IDM_CACHE_TTL_SECONDS=0, nor a failed lookup', async () => {
    const idm = new IdmService({ toolbox: { ...config.toolbox, idmCacheTtlSeconds: 0 } } as unknown as AppConfig, grants as never, tokens as never);
    await idm.getUserInfo('erin');
    await idm.getUserInfo('erin');
    expect(urls).toHaveLength(2);
    const cached = new IdmService(config, grants as never, tokens as never);
    fetchSpy.mockResolvedValueOnce(new Response('down', { status: 503 }));
    await expect(cached.getUserInfo('frank')).rejects.toMatchObject({ name: 'IdmError' });
    await expect(cached.getUserInfo('frank')).resolves.toEqual({ sub: 'frank' });
  });

  it('shares one request between concurrent lookups, and lists grants without who granted them', async () => {
    const idm = new IdmService(config, grants as never, tokens as never);
    await Promise.all([idm.getUserInfo('dave'), idm.getUserInfo('dave')]);
    expect(urls).toHaveLength(1);
    await expect(idm.getGrants('alice')).resolves.toEqual([{ resource: { type: 'queue', name: 'q' }, action: 'receive' }]);
    await expect(idm.getGrants('')).rejects.toMatchObject({ name: 'TypeError' });
  });

  it('answers IdmNotConfigured without IDM_USERINFO_URL', async () => {
    const idm = new IdmService({ toolbox: { ...config.toolbox, idmUserinfoUrl: null } } as unknown as AppConfig, grants as never, tokens as never);
    await expect(idm.getUserInfo('x')).rejects.toMatchObject({ name: 'IdmNotConfigured' });
  });
});
