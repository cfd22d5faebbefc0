import { AuthFailureLimiter } from '@app/security/auth-failure-limiter';

describe('AuthFailureLimiter', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('allows the limit per address and minute, then answers the seconds left in the window', () => {
    const limiter = new AuthFailureLimiter(3, clock);
    expect([1, 2, 3].map(() => limiter.fail('10.0.0.1'))).toEqual([null, null, null]);
    now += 15_000;
    expect(limiter.fail('10.0.0.1')).toBe(45);
    expect(limiter.fail('10.0.0.2')).toBeNull();
    now += 45_000;
    expect(limiter.fail('10.0.0.1')).toBeNull();
  });

  it('never refuses with a limit of 0', () => {
    const limiter = new AuthFailureLimiter(0, clock);
    for (let i = 0; i < 100; i++) expect(limiter.fail('10.0.0.1')).toBeNull();
    expect(limiter.size).toBe(0);
  });

  it('remembers at most `capacity` addresses, forgetting the oldest', () => {
    const limiter = new AuthFailureLimiter(1, clock, 2);
    limiter.fail('a');
    limiter.fail('b');
    limiter.fail('c');
    expect(limiter.size).toBe(2);
    expect(limiter.fail('a')).toBeNull();
    expect(limiter.fail('c')).toBe(60);
  });
});
