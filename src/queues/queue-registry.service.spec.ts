import type { CatalogStore } from '@app/storage/ports/catalog.store';
import type { QueueDefinition } from '@app/domain/queue';
import type { ConfigFilesService } from '@app/queues/config-files.service';
import { normalizeQueueDefinition } from '@app/queues/queue-definition';
import { QueueRegistry } from '@app/queues/queue-registry.service';

describe('QueueRegistry', () => {
  it("gives a definition stored before a field existed that field's default (maxReceives, ordering)", async () => {
    const current = normalizeQueueDefinition({ name: 'fifo', ordering: { mode: 'fifo', contentBasedDeduplication: true } }, 1);
    const { ordering: _ordering, ...older } = normalizeQueueDefinition({ name: 'older' }, 1);
    const { maxReceives: _maxReceives, ...delivery } = older.delivery;
    const stored = [current, { ...older, delivery }] as QueueDefinition[];
    const catalog = { version: async () => 1, listQueues: async () => stored } as unknown as CatalogStore;
    const files = { current: () => ({ queues: new Map(), topics: new Map() }) } as unknown as ConfigFilesService;
    const registry = new QueueRegistry(catalog, files);
    await registry.refreshCatalog(true);
    expect(registry.require('older').definition.ordering).toEqual({ mode: 'standard', contentBasedDeduplication: false, deduplicationWindowSeconds: 300 });
    expect(registry.require('older').definition.delivery.maxReceives).toBe(0);
    expect(registry.require('fifo').definition.ordering).toEqual({ mode: 'fifo', contentBasedDeduplication: true, deduplicationWindowSeconds: 300 });
  });
});
