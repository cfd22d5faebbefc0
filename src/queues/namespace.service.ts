import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/common/domain-error';
import { CatalogStore } from '@app/storage/ports/catalog.store';
import { ConfigFilesService } from '@app/queues/config-files.service';
import { QueueRegistry } from '@app/queues/queue-registry.service';

/** Queues and topics share one namespace. */
@Injectable()
export class NamespaceService {
  constructor(
    private readonly queues: QueueRegistry,
    private readonly catalog: CatalogStore,
    private readonly files: ConfigFilesService,
  ) {}

  async topicExists(name: string): Promise<boolean> {
    return this.files.current().topics.has(name) || (await this.catalog.getTopic(name)) !== null;
  }

  /** Throws NAME_TAKEN when a queue or topic already uses the name. */
  async assertFree(name: string): Promise<void> {
    if (this.queues.get(name) || (await this.catalog.getQueue(name))) {
      throw new DomainError('NAME_TAKEN', `${name} is already used by a queue`);
    }
    if (await this.topicExists(name)) throw new DomainError('NAME_TAKEN', `${name} is already used by a topic`);
  }
}
