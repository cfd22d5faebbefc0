import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { DomainError } from '@app/common/domain-error';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { AccessService } from '@app/security/access.service';
import { ACCESS_KEY, PUBLIC_KEY, type AccessMetadata } from '@app/security/access.decorator';
import type { Principal } from '@app/security/principal';
import { tokenFromRequest } from '@app/security/jwt.strategy';
import { VerifiedTokens } from '@app/security/verified-tokens';

/**
 * Global guard: every route needs a valid token unless marked @Public, and every protected
 * route must declare its @Access rule (a route without one is refused, so none is left open).
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  private readonly verified = new VerifiedTokens();
  /** route handler → its @Public flag and @Access rule (metadata never changes after start) */
  private readonly rules = new WeakMap<object, { isPublic: boolean; rule: AccessMetadata | undefined }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
    private readonly queues: QueueRegistry,
  ) {
    super();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { isPublic, rule } = this.routeRule(context);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<Request & { user: Principal }>();
    await this.authenticate(context, request);
    if (!rule) throw new DomainError('FORBIDDEN', 'This route declares no access rule');
    const queueName = rule.queueParam ? request.params[rule.queueParam] : undefined;
    const topic = rule.topicParam ? request.params[rule.topicParam] : undefined;
    const needsQueue = rule.action === 'message.write' || rule.action === 'message.consume' || rule.action === 'queue.admin';
    const queue = needsQueue && typeof queueName === 'string' ? this.queues.require(queueName).definition : undefined;
    await this.access.assert(request.user, rule.action, { queue, topic: typeof topic === 'string' ? topic : undefined });
    return true;
  }

  private routeRule(context: ExecutionContext): { isPublic: boolean; rule: AccessMetadata | undefined } {
    const handler = context.getHandler();
    let known = this.rules.get(handler);
    if (!known) {
      const targets = [handler, context.getClass()];
      known = {
        isPublic: this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) === true,
        rule: this.reflector.getAllAndOverride<AccessMetadata | undefined>(ACCESS_KEY, targets),
      };
      this.rules.set(handler, known);
    }
    return known;
  }

  /** passport-jwt verifies a token the first time; a repeat within its cache life is looked up. */
  private async authenticate(context: ExecutionContext, request: Request & { user: Principal }): Promise<void> {
    const token = tokenFromRequest(request);
    const known = token ? this.verified.get(token) : null;
    if (known) {
      request.user = known;
      return;
    }
    await super.canActivate(context);
    if (token) this.verified.remember(token, request.user);
  }

  handleRequest<TUser>(error: unknown, user: TUser, info: unknown): TUser {
    if (error instanceof DomainError) throw error;
    if (error || !user) {
      const reason = info instanceof Error ? info.message : typeof error === 'string' ? error : error instanceof Error ? error.message : 'missing token';
      throw new DomainError('UNAUTHENTICATED', `Authentication failed: ${reason}`);
    }
    return user;
  }
}
