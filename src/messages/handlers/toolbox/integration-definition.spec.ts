import { isHostAllowed, isRestrictedAddress, parseIntegration } from '@app/messages/handlers/toolbox/integration-definition';

function reason(raw: unknown, secrets: Record<string, string> = {}): string {
  try {
    parseIntegration(raw, 'x', secrets);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('parseIntegration', () => {
  it('fills in the defaults', () => {
    const integration = parseIntegration({ baseUrl: 'https://api.internal/v1' }, 'orders', {});
    expect(integration).toMatchObject({
      name: 'orders',
      auth: { type: 'none' },
      timeoutMs: 10_000,
      retries: { attempts: 0, backoffMs: 200, methods: ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'] },
      allowedMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedPaths: ['/'],
      maxResponseBytes: 1024 * 1024,
      headers: {},
    });
  });

  it('takes a header secret by name only, and refuses one that is not set without echoing values', () => {
    const secrets = { ORDERS: 'value-of-the-secret' };
    expect(parseIntegration({ baseUrl: 'http://h', auth: { type: 'header', secret: 'ORDERS', prefix: 'Bearer ' } }, 'x', secrets).auth).toEqual({
      type: 'header',
      header: 'Authorization',
      secret: 'ORDERS',
      prefix: 'Bearer ',
    });
    expect(reason({ baseUrl: 'http://h', auth: { type: 'header', secret: 'OTHER' } }, secrets)).toContain('MAILROOM_SECRET__OTHER');
    expect(reason({ baseUrl: 'http://h', auth: { type: 'header', secret: 'value-of-the-secret' } }, secrets)).not.toContain('value-of-the-secret');
  });

  it('refuses bad files with a reason', () => {
    expect(reason({ baseUrl: 'ftp://h' })).toContain('baseUrl');
    expect(reason({ baseUrl: 'http://user:pw@h' })).toContain('credentials');
    expect(reason({ baseUrl: 'http://h', extra: 1 })).toContain('unknown field');
    expect(reason({ baseUrl: 'http://h', allowedMethods: ['TRACE'] })).toContain('allowedMethods');
    expect(reason({ baseUrl: 'http://h', allowedPaths: ['orders'] })).toContain('allowedPaths');
    expect(reason({ baseUrl: 'http://h', timeoutMs: 0 })).toContain('timeoutMs');
    expect(reason({ baseUrl: 'http://h', headers: { host: 'evil' } })).toContain('headers.host');
    expect(reason({ baseUrl: 'http://h', auth: { type: 'basic' } })).toContain('auth.type');
  });
});

describe('isHostAllowed', () => {
  it('matches a host on any port, or host:port exactly (default ports filled in)', () => {
    expect(isHostAllowed(new URL('https://api.internal/x'), ['api.internal'])).toBe(true);
    expect(isHostAllowed(new URL('https://api.internal/x'), ['api.internal:443'])).toBe(true);
    expect(isHostAllowed(new URL('http://api.internal/x'), ['api.internal:443'])).toBe(false);
    expect(isHostAllowed(new URL('http://127.0.0.2:80/x'), ['127.0.0.1'])).toBe(false);
    expect(isHostAllowed(new URL('http://[::1]:8080/x'), ['[::1]:8080'])).toBe(true);
    expect(isHostAllowed(new URL('http://api.internal.evil/x'), ['api.internal'])).toBe(false);
    expect(isHostAllowed(new URL('http://h/x'), [])).toBe(false);
  });
});

describe('isRestrictedAddress', () => {
  it('flags loopback, link-local, unspecified, multicast and broadcast addresses, IPv4-mapped too', () => {
    for (const address of [
      '127.0.0.1',
      '127.9.9.9',
      '169.254.169.254',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
    ]) {
      expect([address, isRestrictedAddress(address)]).toEqual([address, true]);
    }
    for (const address of ['10.0.0.5', '192.168.1.1', '172.16.0.1', '8.8.8.8', '128.0.0.1', '169.255.0.1', 'fd00::1', '2001:db8::1', '::ffff:10.0.0.1']) {
      expect([address, isRestrictedAddress(address)]).toEqual([address, false]);
    }
  });
});
