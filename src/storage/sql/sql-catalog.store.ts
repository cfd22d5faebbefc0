import type { EntityManager } from 'typeorm';
import { CatalogStore } from '@app/storage/ports/catalog.store';
import type { QueueDefinition } from '@app/domain/queue';
import type { Binding, TopicDefinition } from '@app/domain/topic';
import type { SqlDatabase } from '@app/storage/sql/sql-database';
import { BindingRow, CatalogVersionRow, QueueRow, TopicRow } from '@app/storage/sql/catalog.entities';

/**
 * The catalog in SQL (TypeORM repositories). Every write bumps the version row in the same
 * transaction, so replicas polling version() see a change with one primary-key read.
 */
export class SqlCatalogStore extends CatalogStore {
  constructor(private readonly db: SqlDatabase) {
    super();
  }

  private write<T>(work: (manager: EntityManager) => Promise<{ changed: boolean; value: T }>): Promise<T> {
    return this.db.use((ds) =>
      ds.transaction(async (manager) => {
        const { changed, value } = await work(manager);
        if (changed) await manager.increment(CatalogVersionRow, { id: 1 }, 'version', 1);
        return value;
      }),
    );
  }

  listQueues(): Promise<QueueDefinition[]> {
    return this.db.use(async (ds) =>
      (await ds.getRepository(QueueRow).find({ order: { name: 'ASC' } })).map((row) => JSON.parse(row.definition) as QueueDefinition),
    );
  }

  getQueue(name: string): Promise<QueueDefinition | null> {
    return this.db.use(async (ds) => {
      const row = await ds.getRepository(QueueRow).findOneBy({ name });
      return row ? (JSON.parse(row.definition) as QueueDefinition) : null;
    });
  }

  putQueue(definition: QueueDefinition): Promise<void> {
    return this.write(async (manager) => {
      await manager.delete(QueueRow, { name: definition.name });
      await manager.insert(QueueRow, { name: definition.name, definition: JSON.stringify(definition), updatedAt: definition.updatedAt });
      return { changed: true, value: undefined };
    });
  }

  deleteQueue(name: string): Promise<boolean> {
    return this.write(async (manager) => {
      const { affected } = await manager.delete(QueueRow, { name });
      return { changed: (affected ?? 0) > 0, value: (affected ?? 0) > 0 };
    });
  }

  listTopics(): Promise<TopicDefinition[]> {
    return this.db.use(async (ds) =>
      (await ds.getRepository(TopicRow).find({ order: { name: 'ASC' } })).map((row) => ({ name: row.name, createdAt: row.createdAt })),
    );
  }

  getTopic(name: string): Promise<TopicDefinition | null> {
    return this.db.use(async (ds) => {
      const row = await ds.getRepository(TopicRow).findOneBy({ name });
      return row ? { name: row.name, createdAt: row.createdAt } : null;
    });
  }

  putTopic(topic: TopicDefinition): Promise<void> {
    return this.write(async (manager) => {
      await manager.delete(TopicRow, { name: topic.name });
      await manager.insert(TopicRow, { name: topic.name, createdAt: topic.createdAt });
      return { changed: true, value: undefined };
    });
  }

  deleteTopic(name: string): Promise<boolean> {
    return this.write(async (manager) => {
      const { affected } = await manager.delete(TopicRow, { name });
      return { changed: (affected ?? 0) > 0, value: (affected ?? 0) > 0 };
    });
  }

  listBindings(): Promise<Binding[]> {
    return this.db.use(async (ds) =>
      (await ds.getRepository(BindingRow).find({ order: { topic: 'ASC', queue: 'ASC' } })).map((row) => ({ topic: row.topic, queue: row.queue })),
    );
  }

  bind(binding: Binding): Promise<void> {
    return this.write(async (manager) => {
      const exists = await manager.existsBy(BindingRow, { topic: binding.topic, queue: binding.queue });
      if (!exists) await manager.insert(BindingRow, { topic: binding.topic, queue: binding.queue });
      return { changed: !exists, value: undefined };
    });
  }

  unbind(binding: Binding): Promise<boolean> {
    return this.write(async (manager) => {
      const { affected } = await manager.delete(BindingRow, { topic: binding.topic, queue: binding.queue });
      return { changed: (affected ?? 0) > 0, value: (affected ?? 0) > 0 };
    });
  }

  async version(): Promise<string> {
    const { records } = await this.db.query({ sql: 'SELECT version FROM mailroom_catalog_version WHERE id = 1', params: [] });
    return String(records[0]?.version ?? '0');
  }

  ping(): Promise<void> {
    return this.db.ping();
  }

  /** The connection pool is closed by SqlConnections. */
  async close(): Promise<void> {}
}
