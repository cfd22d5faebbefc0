import { VerifiedTokens, VERIFIED_TOKEN_TTL_MS } from '@app/security/verified-tokens';
import type { Principal } from '@app/security/principal';

function token(payload: Record<string, unknown>, signature = 'sig'): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part(payload)}.${signature}`;
}

const alice: Principal = { subject: 'alice', roles: new Set(['system_admin']), clientRoles: new Map() };

describe('VerifiedTokens', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('answers a remembered token until its exp, then forgets it', () => {
    const cache = new VerifiedTokens(clock);
    const t = token({ sub: 'alice', exp: (now + 30_000) / 1000 });
    expect(cache.get(t)).toBeNull();
    cache.remember(t, alice);
    expect(cache.get(t)).toBe(alice);
    now += 29_999;
    expect(cache.get(t)).toBe(alice);
    now += 1;
    expect(cache.get(t)).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('trusts a long-lived token for at most the cache life, and one without exp likewise', () => {
    const cache = new VerifiedTokens(clock);
    const long = token({ sub: 'alice', exp: (now + 3_600_000) / 1000 });
    const endless = token({ sub: 'alice' });
    cache.remember(long, alice);
    cache.remember(endless, alice);
    now += VERIFIED_TOKEN_TTL_MS - 1;
    expect(cache.get(long)).toBe(alice);
    expect(cache.get(endless)).toBe(alice);
    now += 1;
    expect(cache.get(long)).toBeNull();
    expect(cache.get(endless)).toBeNull();
  });

  it('keys on the whole token: another signature over the same claims is not known', () => {
    const cache = new VerifiedTokens(clock);
    const payload = { sub: 'alice', exp: (now + 30_000) / 1000 };
    cache.remember(token(payload, 'good'), alice);
    expect(cache.get(token(payload, 'forged'))).toBeNull();
  });

  it('drops the least recently used entry when full', () => {
    const cache = new VerifiedTokens(clock, 2);
    const [a, b, c] = ['a', 'b', 'c'].map((sub) => token({ sub, exp: (now + 30_000) / 1000 }));
    cache.remember(a, alice);
    cache.remember(b, alice);
    expect(cache.get(a)).toBe(alice);
    cache.remember(c, alice);
    expect(cache.size).toBe(2);
    expect(cache.get(b)).toBeNull();
    expect(cache.get(a)).toBe(alice);
    expect(cache.get(c)).toBe(alice);
  });
});
