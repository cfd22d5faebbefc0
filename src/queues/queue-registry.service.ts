import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { byName } from '@app/common/cursor';
import { DomainError } from '@app/common/domain-error';
import { CatalogStore } from '@app/storage/ports/catalog.store';
import type { QueueDefinition } from '@app/domain/queue';
import { ConfigFilesService, type ConfigSnapshot } from '@app/queues/config-files.service';

export interface QueueEntry {
  definition: QueueDefinition;
  source: 'file' | 'api';
  handlerPath: string | null;
  handlerVersion: number;
}

export type QueueChange = { kind: 'upsert'; entry: QueueEntry } | { kind: 'delete'; name: string };

const CATALOG_POLL_MS = 2_000;

/**
 * Every known queue: file definitions merged with the catalog (a file wins on a name clash).
 * Lookups are in memory; the catalog is re-read when its version changes, so a queue created
 * on another replica sharing DATABASE_URL appears here within a poll interval.
 */
@Injectable()
export class QueueRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('QueueRegistry');
  private entries = new Map<string, QueueEntry>();
  private apiQueues = new Map<string, QueueDefinition>();
  private catalogVersion: string | null = null;
  private readonly listeners = new Set<(change: QueueChange) => void>();
  private poll: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly catalog: CatalogStore,
    private readonly files: ConfigFilesService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refreshCatalog();
    this.rebuild(this.files.current());
    this.unsubscribe = this.files.onChange((snapshot) => this.rebuild(snapshot));
    this.poll = setInterval(() => {
      this.refreshCatalog().catch((error) => this.logger.warn({ err: error as Error }, 'catalog refresh failed'));
    }, CATALOG_POLL_MS);
    this.poll.unref();
  }

  onModuleDestroy(): void {
    if (this.poll) clearInterval(this.poll);
    this.unsubscribe?.();
  }

  get(name: string): QueueEntry | undefined {
    return this.entries.get(name);
  }

  /** Throws QUEUE_NOT_FOUND. */
  require(name: string): QueueEntry {
    const entry = this.entries.get(name);
    if (!entry) throw new DomainError('QUEUE_NOT_FOUND', `Queue ${name} does not exist`);
    return entry;
  }

  list(): QueueEntry[] {
    return [...this.entries.values()].sort((a, b) => byName(a.definition.name, b.definition.name));
  }

  onChange(listener: (change: QueueChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after the catalog was written on this replica, so the change is visible at once. */
  async refreshCatalog(force = false): Promise<void> {
    const version = await this.catalog.version();
    if (!force && version === this.catalogVersion) return;
    const queues = await this.catalog.listQueues();
    this.catalogVersion = version;
    this.apiQueues = new Map(queues.map((q) => [q.name, withLaterDefaults(q)]));
    this.rebuild(this.files.current());
  }

  private rebuild(snapshot: ConfigSnapshot): void {
    const next = new Map<string, QueueEntry>();
    for (const definition of this.apiQueues.values()) {
      next.set(definition.name, { definition, source: 'api', handlerPath: null, handlerVersion: 0 });
    }
    for (const [name, file] of snapshot.queues) {
      if (this.apiQueues.has(name)) this.logger.warn({ queue: name }, 'queue is defined by a file and in the catalog; the file wins');
      next.set(name, { definition: file.definition, source: 'file', handlerPath: file.handlerPath, handlerVersion: file.handlerVersion });
    }
    const previous = this.entries;
    this.entries = next;
    for (const [name, entry] of next) {
      const before = previous.get(name);
      if (
        !before ||
        before.definition.updatedAt !== entry.definition.updatedAt ||
        before.handlerVersion !== entry.handlerVersion ||
        before.source !== entry.source
      ) {
        this.emit({ kind: 'upsert', entry });
      }
    }
    for (const name of previous.keys()) if (!next.has(name)) this.emit({ kind: 'delete', name });
  }

  private emit(change: QueueChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error as Error }, 'queue change listener failed');
      }
    }
  }
}

/** A definition stored before a field existed gets that field's default. */
function withLaterDefaults(definition: QueueDefinition): QueueDefinition {
  const stored: Partial<QueueDefinition['delivery']> = definition.delivery;
  const ordering: Partial<QueueDefinition['ordering']> = definition.ordering ?? {};
  return {
    ...definition,
    delivery: { ...definition.delivery, maxReceives: stored.maxReceives ?? 0 },
    ordering: { mode: 'standard', contentBasedDeduplication: false, deduplicationWindowSeconds: 300, ...ordering },
  };
}
