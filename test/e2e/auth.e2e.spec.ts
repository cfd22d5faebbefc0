import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { signToken, startTestApp, TEST_SECRET, type TestApp } from '../support/app';

function unsigned(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

describe('JWT verification with an HS256 secret (e2e)', () => {
  let t: TestApp;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    t = await startTestApp({
      env: { AUTH_ISSUER: 'https://issuer.test', AUTH_AUDIENCE: 'mailroom' },
      files: { 'queues/shop.queue.json': { client_id: 'shop', roles: { roles: ['order_clerk'] } } },
    });
  });
  afterAll(() => t.close());

  const issuedAt = (iat: number) =>
    new SignJWT({ roles: ['system_reader'], iss: 'https://issuer.test', aud: 'mailroom' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuedAt(iat)
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(TEST_SECRET));
  const good = (claims: Record<string, unknown> = {}, expiresIn: string | number = '1h') =>
    signToken(TEST_SECRET, 'alice', ['system_reader'], { iss: 'https://issuer.test', aud: 'mailroom', ...claims }, expiresIn);

  it('accepts a valid token in either header', async () => {
    const token = await good();
    expect((await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await t.http.get('/api/v1/queues').set('x-access-token', token)).status).toBe(200);
  });

  it.each([
    ['no token', async () => undefined],
    ['alg none', async () => unsigned({ sub: 'alice', roles: ['system_admin'], iss: 'https://issuer.test', aud: 'mailroom', exp: now() + 60 })],
    [
      'a wrong signature',
      async () => signToken('another-secret-that-is-long-enough-!!!!', 'alice', ['system_admin'], { iss: 'https://issuer.test', aud: 'mailroom' }),
    ],
    ['an expired token', async () => good({}, now() - 3600)],
    ['a token from another issuer', async () => good({ iss: 'https://evil.test' })],
    ['a token for another audience', async () => good({ aud: 'other' })],
    [
      'a token without a subject',
      async () =>
        new SignJWT({ roles: ['system_admin'], iss: 'https://issuer.test', aud: 'mailroom' })
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(TEST_SECRET)),
    ],
    ['garbage', async () => 'not.a.jwt'],
    [
      'a token without exp',
      async () =>
        new SignJWT({ roles: ['system_admin'], iss: 'https://issuer.test', aud: 'mailroom' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('alice')
          .setIssuedAt()
          .sign(new TextEncoder().encode(TEST_SECRET)),
    ],
    ['a token issued in the future (iat beyond the tolerance)', async () => issuedAt(now() + 120)],
    ['a token not valid yet (nbf beyond the tolerance)', async () => good({ nbf: now() + 120 })],
  ])('refuses %s with 401 UNAUTHENTICATED', async (_label, make) => {
    const token = await make();
    const request = t.http.get('/api/v1/queues');
    const response = await (token ? request.set('Authorization', `Bearer ${token}`) : request);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    if (token) expect(JSON.stringify(response.body)).not.toContain(token);
  });

  it('names the missing exp and the future iat', async () => {
    const endless = await new SignJWT({ roles: ['system_admin'], iss: 'https://issuer.test', aud: 'mailroom' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .sign(new TextEncoder().encode(TEST_SECRET));
    expect((await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${endless}`)).body.message).toContain('no expiry (exp)');
    const future = await issuedAt(now() + 3600);
    expect((await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${future}`)).body.message).toContain('issued in the future (iat)');
  });

  it('allows AUTH_CLOCK_TOLERANCE_SECONDS (60 s) of clock skew on iat, nbf and exp', async () => {
    for (const token of [await issuedAt(now() + 30), await good({ nbf: now() + 30 }), await good({}, now() - 30)]) {
      expect((await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    }
  });

  it('reads roles from roles, role and realm_access.roles', async () => {
    for (const claims of [{ roles: ['queue_admin'] }, { role: 'queue_admin' }, { role: ['queue_admin'] }, { realm_access: { roles: ['queue_admin'] } }]) {
      const token = await signToken(TEST_SECRET, 'bob', [], { iss: 'https://issuer.test', aud: 'mailroom', ...claims });
      const response = await t.http
        .post('/api/v1/queues')
        .set('Authorization', `Bearer ${token}`)
        .send({ name: `q-${Object.keys(claims)[0]}-${Math.random().toString(36).slice(2, 8)}` });
      expect(response.status).toBe(201);
    }
  });

  it("uses resource_access roles only of the queue's client_id", async () => {
    const clerk = await good({ roles: [], resource_access: { shop: { roles: ['order_clerk'] } } });
    expect((await t.http.post('/api/v1/queues/shop/messages').set('Authorization', `Bearer ${clerk}`).send({})).status).toBe(201);
    const elsewhere = await good({ roles: [], resource_access: { crm: { roles: ['order_clerk'] } } });
    expect((await t.http.post('/api/v1/queues/shop/messages').set('Authorization', `Bearer ${elsewhere}`).send({})).status).toBe(403);
  });
});

describe('JWT verification with a JWKS (e2e)', () => {
  let t: TestApp;
  let server: http.Server;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  let jwksRequests = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = http.createServer((_req, res) => {
      jwksRequests++;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    t = await startTestApp({ env: { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks` } });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const sign = (key: CryptoKey, kid = 'k1') =>
    new SignJWT({ roles: ['system_reader'] }).setProtectedHeader({ alg: 'RS256', kid }).setSubject('carol').setIssuedAt().setExpirationTime('5m').sign(key);

  it('accepts a token signed by a key of the set, fetching the set once', async () => {
    const token = await sign(privateKey);
    expect((await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect(jwksRequests).toBe(1);
  });

  it('refuses a token of the set without exp, or issued in the future', async () => {
    const endless = await new SignJWT({ roles: ['system_reader'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('carol')
      .setIssuedAt()
      .sign(privateKey);
    const future = await new SignJWT({ roles: ['system_reader'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('carol')
      .setIssuedAt(Math.floor(Date.now() / 1000) + 3600)
      .setExpirationTime('2h')
      .sign(privateKey);
    for (const token of [endless, future]) {
      const response = await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${token}`);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a token signed by another key, and HS256 tokens', async () => {
    expect((await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${await sign(otherKey)}`)).status).toBe(401);
    const hs = await signToken(TEST_SECRET, 'carol', ['system_admin']);
    expect((await t.http.get('/api/v1/queues').set('Authorization', `Bearer ${hs}`)).status).toBe(401);
  });
});
