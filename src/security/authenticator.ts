import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import passport from 'passport';
import { Clock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { AuthFailureLimiter } from '@app/security/auth-failure-limiter';
import { JwtStrategy, tokenFromRequest } from '@app/security/jwt.strategy';
import type { Principal } from '@app/security/principal';
import { VerifiedTokens } from '@app/security/verified-tokens';

/**
 * Authenticates a request with the JwtStrategy (a token verified recently is looked up instead).
 * Used by the AccessGuard and, before any body is read, by bootstrap's body parsing. Every failure
 * counts against the client address: past AUTH_FAILURE_LIMIT_PER_MINUTE it is 429 RATE_LIMITED.
 */
@Injectable()
export class Authenticator {
  private readonly verified = new VerifiedTokens();
  private readonly failures: AuthFailureLimiter;

  // the strategy is injected so passport knows 'jwt' before the first request
  constructor(@InjectConfig() config: AppConfig, clock: Clock, _strategy: JwtStrategy) {
    this.failures = new AuthFailureLimiter(config.auth.failureLimitPerMinute, () => clock.now());
  }

  /** Throws UNAUTHENTICATED, or RATE_LIMITED once the address failed too often. */
  async authenticate(request: Request, response: Response): Promise<Principal> {
    const token = tokenFromRequest(request);
    const known = token ? this.verified.get(token) : null;
    if (known) return known;
    try {
      const principal = await verify(request, response);
      if (token) this.verified.remember(token, principal);
      return principal;
    } catch (error) {
      const retryAfterSeconds = this.failures.fail(request.ip ?? request.socket.remoteAddress ?? 'unknown');
      if (retryAfterSeconds === null) throw error;
      throw new DomainError('RATE_LIMITED', `Too many failed authentications from this address; retry in ${retryAfterSeconds} s`, undefined, {
        retryAfterSeconds,
      });
    }
  }
}

function verify(request: Request, response: Response): Promise<Principal> {
  return new Promise((resolve, reject) => {
    const done = (error: unknown, user: Principal | false | undefined, info: unknown) => {
      if (error instanceof DomainError) return reject(error);
      if (error || !user) {
        const reason = info instanceof Error ? info.message : typeof error === 'string' ? error : error instanceof Error ? error.message : 'missing token';
        return reject(new DomainError('UNAUTHENTICATED', `Authentication failed: ${reason}`));
      }
      resolve(user);
    };
    const authenticate = passport.authenticate('jwt', { session: false }, done) as (
      request: Request,
      response: Response,
      next: (error?: Error) => void,
    ) => void;
    authenticate(request, response, (error) => reject(error ?? new DomainError('UNAUTHENTICATED', 'Authentication failed')));
  });
}
