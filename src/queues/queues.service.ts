import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '@app/common/clock';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { DomainError } from '@app/common/domain-error';
import { pageByName } from '@app/common/cursor';
import { CatalogStore } from '@app/storage/ports/catalog.store';
import { GrantStore } from '@app/storage/ports/grant.store';
import type { QueueDefinition } from '@app/domain/queue';
import type { Page, QueueStatsSnapshot } from '@app/storage/ports/message.store';
import { StorageService } from '@app/storage/storage.service';
import { maskConnectionString } from '@app/common/secrets';
import { normalizeQueueDefinition } from '@app/queues/queue-definition';
import { NamespaceService } from '@app/queues/namespace.service';
import { QueueRegistry, type QueueEntry } from '@app/queues/queue-registry.service';
import { SchemaService } from '@app/queues/schema.service';

export interface QueueView extends Omit<QueueDefinition, 'createdAt' | 'updatedAt'> {
  source: 'file' | 'api';
  hasHandler: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface QueueStorageView {
  available: boolean;
  /** when the storage last became available or unavailable (ISO 8601) */
  since: string;
}

export interface QueueStatsView {
  queue: string;
  counts: { PENDING: number; INPROGRESS: number; COMPLETE: number; ERROR: number };
  oldestPendingAgeSeconds: number | null;
  storage: QueueStorageView;
}

function schemaIn(body: unknown): unknown {
  const incoming = body && typeof body === 'object' ? (body as { incoming?: unknown }).incoming : undefined;
  return incoming && typeof incoming === 'object' ? (incoming as { schema?: unknown }).schema : undefined;
}

/** Queue administration: create, replace, delete, list, stats. */
@Injectable()
export class QueuesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queues');

  constructor(
    private readonly registry: QueueRegistry,
    private readonly catalog: CatalogStore,
    private readonly grants: GrantStore,
    private readonly storage: StorageService,
    private readonly schemas: SchemaService,
    private readonly namespace: NamespaceService,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Says at start which queues cannot be served as they are: API queues stored before
   * STORAGE_ENGINES left out their engine (still served, so their messages can be drained), and
   * `sql` queues whose connection string is refused (e.g. a placeholder from before only
   * `MAILROOM_SQL__` variables were allowed).
   */
  onApplicationBootstrap(): void {
    for (const { definition, source } of this.registry.list()) {
      if (source === 'api' && !this.config.storageEngines.includes(definition.storageEngine)) {
        this.logger.warn(
          { queue: definition.name, storageEngine: definition.storageEngine, moveTo: this.config.defaultStorageEngine },
          'queue uses a storageEngine STORAGE_ENGINES no longer allows: it is still served; drain it and move it to the default engine',
        );
      }
      const problem = this.storage.connectionProblem(definition);
      if (problem) this.logger.warn({ queue: definition.name, problem }, 'queue cannot reach its storage until its connectionString is fixed');
    }
  }

  list(limit: number, cursor: string | null): Page<QueueView> {
    const page = pageByName(this.registry.list(), (entry) => entry.definition.name, limit, cursor);
    return { items: page.items.map((entry) => this.view(entry)), nextCursor: page.nextCursor };
  }

  get(name: string): QueueView {
    return this.view(this.registry.require(name));
  }

  async create(body: unknown): Promise<QueueView> {
    this.schemas.assertWithinLimits(schemaIn(body));
    const definition = normalizeQueueDefinition(body, this.clock.now(), this.clock.now(), this.config.defaultStorageEngine);
    await this.namespace.assertFree(definition.name);
    await this.prepare(definition);
    await this.storage.forQueue(definition).purgeQueue(definition.name);
    await this.catalog.putQueue(definition);
    await this.registry.refreshCatalog(true);
    return this.get(definition.name);
  }

  async replace(name: string, body: unknown): Promise<QueueView> {
    const existing = this.assertApiManaged(name);
    if (body && typeof body === 'object' && 'name' in body && body.name !== name) {
      throw new DomainError('INVALID_QUEUE_DEFINITION', 'the name in the body must match the queue in the path');
    }
    this.schemas.assertWithinLimits(schemaIn(body));
    const definition = normalizeQueueDefinition(
      { ...(body as object), name },
      Math.max(this.clock.now(), existing.definition.updatedAt + 1),
      existing.definition.createdAt,
      existing.definition.storageEngine,
    );
    if (definition.storageEngine !== existing.definition.storageEngine || (definition.connectionString ?? null) !== existing.definition.connectionString) {
      const stats = await this.storage.forQueue(existing.definition).stats(name);
      if (Object.values(stats.counts).some((n) => n > 0)) {
        throw new DomainError('INVALID_QUEUE_DEFINITION', 'the storage of a queue that still holds messages cannot be changed; delete its messages first');
      }
    }
    await this.prepare(definition);
    await this.catalog.putQueue(definition);
    await this.registry.refreshCatalog(true);
    await this.releaseStorage(existing.definition);
    return this.get(name);
  }

  async delete(name: string): Promise<void> {
    const existing = this.assertApiManaged(name);
    await this.catalog.deleteQueue(name);
    for (const binding of await this.catalog.listBindings()) {
      if (binding.queue === name) await this.catalog.unbind(binding);
    }
    await this.grants.deleteForResource('queue', name);
    await this.registry.refreshCatalog(true);
    await this.storage.forQueue(existing.definition).purgeQueue(name);
    await this.releaseStorage(existing.definition);
  }

  /** 503 STORAGE_UNAVAILABLE, with `details.storage`, while the queue's own storage does not answer. */
  async stats(name: string): Promise<QueueStatsView> {
    const { definition } = this.registry.require(name);
    let snapshot: QueueStatsSnapshot;
    try {
      snapshot = await this.storage.forQueue(definition).stats(name);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'STORAGE_UNAVAILABLE') throw error;
      throw new DomainError('STORAGE_UNAVAILABLE', `The storage of queue ${name} is unavailable; retry later`, {
        queue: name,
        storage: this.storageView(definition),
      });
    }
    const oldest = snapshot.oldestPendingCreatedAt;
    return {
      queue: name,
      counts: snapshot.counts,
      oldestPendingAgeSeconds: oldest === null ? null : Math.max(0, (this.clock.now() - oldest) / 1000),
      storage: this.storageView(definition),
    };
  }

  /** In memory: whether the queue's storage answered its last use. */
  storageAvailable(name: string): boolean {
    const entry = this.registry.get(name);
    if (!entry) return false;
    try {
      return this.storage.availability(entry.definition).available;
    } catch {
      return false;
    }
  }

  private storageView(definition: QueueDefinition): QueueStorageView {
    const { available, since } = this.storage.availability(definition);
    return { available, since: new Date(since).toISOString() };
  }

  view(entry: QueueEntry): QueueView {
    const { createdAt, updatedAt, ...definition } = entry.definition;
    return {
      ...definition,
      connectionString: definition.connectionString === null ? null : maskConnectionString(definition.connectionString),
      source: entry.source,
      hasHandler: entry.handlerPath !== null,
      createdAt: new Date(createdAt).toISOString(),
      updatedAt: new Date(updatedAt).toISOString(),
    };
  }

  private assertApiManaged(name: string): QueueEntry {
    const entry = this.registry.require(name);
    if (entry.source === 'file') {
      throw new DomainError('MANAGED_BY_CONFIG', `Queue ${name} is defined in a config file and cannot be changed through the API`);
    }
    return entry;
  }

  /** Frees what the storage held for a definition no queue has any more (a SQL pool no other queue uses). */
  private async releaseStorage(definition: QueueDefinition): Promise<void> {
    await this.storage.release(
      definition,
      this.registry.list().map((entry) => entry.definition),
    );
  }

  private async prepare(definition: QueueDefinition): Promise<void> {
    this.schemas.check(definition);
    await this.storage.verify(definition);
  }
}
