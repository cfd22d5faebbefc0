import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/common/domain-error';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { AccessService } from '@app/security/access.service';
import type { Principal } from '@app/security/principal';

export interface MeView {
  subject: string;
  roles: string[];
  clientRoles: Record<string, string[]>;
  rights: { readCatalog: boolean; writeCatalog: boolean };
  queue: { name: string; push: boolean; consume: boolean; administer: boolean } | null;
  topic: { name: string; publish: boolean } | null;
}

function optionalName(value: unknown, parameter: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value === '') throw new DomainError('VALIDATION_FAILED', `${parameter} must be one non-empty name`);
  return value;
}

/** What the caller's token allows, decided by the same AccessService the routes use. */
@Injectable()
export class MeService {
  constructor(
    private readonly access: AccessService,
    private readonly queues: QueueRegistry,
  ) {}

  async describe(principal: Principal, queueParam: unknown, topicParam: unknown): Promise<MeView> {
    const queueName = optionalName(queueParam, 'queue');
    const topicName = optionalName(topicParam, 'topic');
    const view: MeView = {
      subject: principal.subject,
      roles: [...principal.roles].sort(),
      clientRoles: Object.fromEntries([...principal.clientRoles].map(([client, roles]) => [client, [...roles].sort()])),
      rights: { readCatalog: await this.access.can(principal, 'catalog.read'), writeCatalog: await this.access.can(principal, 'catalog.write') },
      queue: null,
      topic: null,
    };
    if (queueName !== null) {
      const queue = this.queues.require(queueName).definition;
      view.queue = {
        name: queue.name,
        push: await this.access.can(principal, 'message.write', { queue }),
        consume: await this.access.can(principal, 'message.consume', { queue }),
        administer: await this.access.can(principal, 'queue.admin', { queue }),
      };
    }
    if (topicName !== null) view.topic = { name: topicName, publish: await this.access.can(principal, 'topic.publish', { topic: topicName }) };
    return view;
  }
}
