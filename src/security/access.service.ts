import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/common/domain-error';
import { GrantStore } from '@app/storage/ports/grant.store';
import type { QueueDefinition } from '@app/domain/queue';
import { rolesFor, type Principal } from '@app/security/principal';
import { requirementFor, type AccessAction } from '@app/security/access-rules';

/** The one place that decides whether a principal may do something to a resource. */
@Injectable()
export class AccessService {
  constructor(private readonly grants: GrantStore) {}

  async can(principal: Principal, action: AccessAction, resource: { queue?: QueueDefinition; topic?: string } = {}): Promise<boolean> {
    const queue = resource.queue ?? null;
    const requirement = requirementFor(action, queue, resource.topic ?? null);
    if (requirement.open) return true;
    const roles = rolesFor(principal, queue?.client_id ?? null);
    if (requirement.anyRole.some((role) => roles.has(role))) return true;
    const grant = requirement.grant;
    return grant !== null && principal.subject !== '' && (await this.grants.has(grant.type, grant.name, principal.subject, grant.action));
  }

  /** Throws FORBIDDEN. */
  async assert(principal: Principal, action: AccessAction, resource: { queue?: QueueDefinition; topic?: string } = {}): Promise<void> {
    if (!(await this.can(principal, action, resource))) {
      const target = resource.queue ? ` on queue ${resource.queue.name}` : resource.topic ? ` on topic ${resource.topic}` : '';
      throw new DomainError('FORBIDDEN', `Not allowed: ${action}${target}`);
    }
  }
}
