import { Injectable } from '@nestjs/common';
import { Clock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import { GrantStore } from '@app/storage/ports/grant.store';
import type { Grant, GrantAction, ResourceType } from '@app/domain/grant';
import { NamespaceService } from '@app/queues/namespace.service';
import { QueueRegistry } from '@app/queues/queue-registry.service';

/**
 * A grantable subject: the token's `sub` as identity providers issue it (user names, e-mail
 * addresses, UUIDs, `auth0|123`, `service-account:ns:name`): 1 to 255 characters of letters,
 * digits and `_ . @ | : + = ~ -`, starting with a letter or digit. Never `/`, spaces or `%`.
 */
export const SUBJECT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.@|:+=~-]{0,254}$';
const SUBJECT = new RegExp(SUBJECT_PATTERN);

export const GRANT_ACTIONS: Record<ResourceType, readonly GrantAction[]> = {
  queue: ['send_to_queue', 'receive', 'administer_queue'],
  topic: ['send_to_topic'],
};

export interface GrantList {
  items: Grant[];
  nextCursor: null;
}

/** The permission admin API: grant, revoke and list per-subject rights on queues and topics. */
@Injectable()
export class PermissionsService {
  constructor(
    private readonly grants: GrantStore,
    private readonly queues: QueueRegistry,
    private readonly namespace: NamespaceService,
    private readonly clock: Clock,
  ) {}

  async listForResource(type: ResourceType, name: string): Promise<GrantList> {
    await this.assertResource(type, name);
    return { items: sortGrants(await this.grants.list({ resource: { type, name } })), nextCursor: null };
  }

  async listForSubject(subject: unknown): Promise<GrantList> {
    if (typeof subject !== 'string' || subject === '') throw new DomainError('VALIDATION_FAILED', 'the query parameter subject is required');
    assertSubject(subject);
    return { items: sortGrants(await this.grants.list({ subject })), nextCursor: null };
  }

  /** Idempotent: granting an existing right keeps its original grantedBy / grantedAt. */
  async grant(type: ResourceType, name: string, subject: string, action: string, grantedBy: string): Promise<void> {
    const grantAction = assertGrant(type, subject, action);
    await this.assertResource(type, name);
    if (await this.grants.has(type, name, subject, grantAction)) return;
    await this.grants.put({ resource: { type, name }, subject, action: grantAction, grantedBy, grantedAt: new Date(this.clock.now()).toISOString() });
  }

  /** Idempotent: revoking a right that does not exist succeeds. */
  async revoke(type: ResourceType, name: string, subject: string, action: string): Promise<void> {
    const grantAction = assertGrant(type, subject, action);
    await this.assertResource(type, name);
    await this.grants.delete(type, name, subject, grantAction);
  }

  private async assertResource(type: ResourceType, name: string): Promise<void> {
    if (type === 'queue') {
      this.queues.require(name);
    } else if (!(await this.namespace.topicExists(name))) {
      throw new DomainError('TOPIC_NOT_FOUND', `Topic ${name} does not exist`);
    }
  }
}

function assertSubject(subject: string): void {
  if (!SUBJECT.test(subject)) {
    throw new DomainError('INVALID_PERMISSION', `subject must match ${SUBJECT_PATTERN}`);
  }
}

function assertGrant(type: ResourceType, subject: string, action: string): GrantAction {
  assertSubject(subject);
  const allowed = GRANT_ACTIONS[type];
  if (!allowed.includes(action as GrantAction)) {
    throw new DomainError('INVALID_PERMISSION', `action on a ${type} must be ${allowed.join(' or ')}, not ${JSON.stringify(action)}`);
  }
  return action as GrantAction;
}

function sortGrants(grants: Grant[]): Grant[] {
  return [...grants].sort(
    (a, b) =>
      a.resource.type.localeCompare(b.resource.type) ||
      a.resource.name.localeCompare(b.resource.name) ||
      a.subject.localeCompare(b.subject) ||
      a.action.localeCompare(b.action),
  );
}
