import type { AppConfig } from '@app/config/app.config';

export interface DevTokenRequest {
  subject: string;
  roles: string[];
  /** resource_access roles of one client: `client:role+role` */
  client?: string;
  ttlSeconds: number;
}

/** Signs an HS256 token with Mailroom's own secret (AUTH_JWT_SECRET or the development secret), for development and tests. */
export async function mintDevToken(config: AppConfig, request: DevTokenRequest): Promise<string> {
  if (!config.auth.jwtSecret) throw new Error('minting a token needs AUTH_JWT_SECRET (or no auth setting, for the development secret)');
  const claims: Record<string, unknown> = { roles: request.roles };
  if (request.client) {
    const [client, roles = ''] = request.client.split(':');
    claims.resource_access = { [client]: { roles: roles.split('+').filter(Boolean) } };
  }
  const { SignJWT } = await import('jose');
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds}s`);
  if (config.auth.issuer) jwt = jwt.setIssuer(config.auth.issuer);
  if (config.auth.audience) jwt = jwt.setAudience(config.auth.audience);
  return jwt.sign(new TextEncoder().encode(config.auth.jwtSecret));
}
