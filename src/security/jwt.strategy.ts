import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type SecretOrKeyProvider } from 'passport-jwt';
import { KeyObject, createSecretKey } from 'node:crypto';
import { DomainError } from '@app/common/domain-error';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { principalFromClaims, type Principal } from '@app/security/principal';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;

/** Where a request carries its token: `Authorization: Bearer …` or `x-access-token` (Elemental style). */
export const tokenFromRequest = ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromHeader('x-access-token')]);

type RemoteKeys = (header: { alg: string; kid?: string }) => Promise<unknown>;

/** Looks the signing key up in the JWKS (jose caches and refreshes the key set). */
function jwksKeyProvider(jwksUrl: string): SecretOrKeyProvider {
  let keys: RemoteKeys | null = null;
  return (_request, rawJwt, done) => {
    (async () => {
      const jose = await import('jose');
      keys ??= jose.createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 }) as unknown as RemoteKeys;
      const header = jose.decodeProtectedHeader(rawJwt as string) as { alg: string; kid?: string };
      const key = await keys(header);
      return key instanceof KeyObject ? key : KeyObject.from(key as Parameters<typeof KeyObject.from>[0]);
    })().then(
      (key) => done(null, key as unknown as string),
      (error: Error) => done(error.message),
    );
  };
}

/**
 * Verifies the token: signature (HS256 secret or JWKS), `exp` (required), `nbf`, `iat` (not in
 * the future), issuer and audience when configured; every time check allows
 * AUTH_CLOCK_TOLERANCE_SECONDS of clock skew.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly toleranceSeconds: number;

  constructor(@InjectConfig() config: AppConfig) {
    const { jwtSecret, jwksUrl, issuer, audience, clockToleranceSeconds } = config.auth;
    super({
      jwtFromRequest: tokenFromRequest,
      ignoreExpiration: false,
      algorithms: jwksUrl ? [...ASYMMETRIC] : ['HS256'],
      ...(issuer ? { issuer } : {}),
      ...(audience ? { audience } : {}),
      // a KeyObject, not the string: jsonwebtoken would otherwise try (and fail) createPublicKey on every request
      ...(jwksUrl ? { secretOrKeyProvider: jwksKeyProvider(jwksUrl) } : { secretOrKey: createSecretKey(Buffer.from(jwtSecret!)) as unknown as string }),
      jsonWebTokenOptions: { clockTolerance: clockToleranceSeconds },
    });
    this.toleranceSeconds = clockToleranceSeconds;
  }

  /** Runs after the signature, exp and nbf checks (jsonwebtoken skips exp when it is absent). */
  validate(claims: Record<string, unknown>): Principal {
    if (typeof claims.exp !== 'number') throw new DomainError('UNAUTHENTICATED', 'The token has no expiry (exp)');
    if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > Date.now() / 1000 + this.toleranceSeconds)) {
      throw new DomainError('UNAUTHENTICATED', 'The token is issued in the future (iat)');
    }
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new DomainError('UNAUTHENTICATED', 'The token has no subject (sub)');
    return principalFromClaims(claims);
  }
}
