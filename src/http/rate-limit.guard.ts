import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import type { AppConfig } from '@app/config/app.config';
import { DomainError } from '@app/common/domain-error';
import type { Principal } from '@app/security/principal';

/**
 * RATE_LIMIT_PER_MINUTE per subject (the JWT `sub`), or per client address for anonymous routes.
 * Registered after the AccessGuard, so the subject is already verified when it is counted.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** RATE_LIMIT_PER_MINUTE=0 skips the guard before its per-route metadata lookups. */
  protected async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return this.commonOptions.skipIf?.(context) === true;
  }

  protected async getTracker(request: Record<string, unknown>): Promise<string> {
    const subject = (request as unknown as Request & { user?: Principal }).user?.subject;
    return subject ? `sub:${subject}` : `ip:${(request as unknown as Request).ip ?? 'unknown'}`;
  }

  protected async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfterSeconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    throw new DomainError('RATE_LIMITED', `Rate limit of ${detail.limit} requests per minute exceeded; retry in ${retryAfterSeconds} s`, undefined, {
      retryAfterSeconds,
    });
  }
}

export function throttlerOptions(config: AppConfig): ThrottlerModuleOptions {
  return {
    throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, config.rateLimitPerMinute) }],
    skipIf: () => config.rateLimitPerMinute === 0,
  };
}
