import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DomainError } from '@app/common/domain-error';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { AccessService } from '@app/security/access.service';
import { ACCESS_KEY, PUBLIC_KEY, type AccessMetadata } from '@app/security/access.decorator';
import type { Principal } from '@app/security/principal';
import { Authenticator } from '@app/security/authenticator';

/**
 * Global guard: every route needs a valid token unless marked @Public, and every protected
 * route must declare its @Access rule (a route without one is refused, so none is left open).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  /** route handler → its @Public flag and @Access rule (metadata never changes after start) */
  private readonly rules = new WeakMap<object, { isPublic: boolean; rule: AccessMetadata | undefined }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
    private readonly queues: QueueRegistry,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { isPublic, rule } = this.routeRule(context);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<Request & { user: Principal }>();
    // a request with a body was authenticated before its body was read
    request.user ??= await this.authenticator.authenticate(request, context.switchToHttp().getResponse<Response>());
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
}
