import { Injectable } from '@nestjs/common';
import { Clock } from '@app/common/clock';
import { pageByName } from '@app/common/cursor';
import { DomainError } from '@app/common/domain-error';
import { validateInput } from '@app/common/json-validation';
import { assertNotReserved } from '@app/common/reserved-names';
import { CatalogStore } from '@app/storage/ports/catalog.store';
import { GrantStore } from '@app/storage/ports/grant.store';
import type { Page } from '@app/storage/ports/message.store';
import { ConfigFilesService } from '@app/queues/config-files.service';
import { NamespaceService } from '@app/queues/namespace.service';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { topicInputSchema, type TopicInput } from '@app/topics/topic.schemas';

export interface TopicView {
  name: string;
  source: 'file' | 'api';
  queues: string[];
  createdAt: string | null;
}

interface TopicRecord {
  name: string;
  source: 'file' | 'api';
  createdAt: number | null;
}

/**
 * Topics and their bindings. Topics come from `config/topics/<name>.topic.json` (read-only
 * through the API; the file lists the bound queues) and from the catalog (bindings in the
 * catalog). A file wins on a name clash. Read from the catalog on every call, so every
 * replica sharing DATABASE_URL sees the same topics.
 */
@Injectable()
export class TopicsService {
  constructor(
    private readonly catalog: CatalogStore,
    private readonly grants: GrantStore,
    private readonly files: ConfigFilesService,
    private readonly namespace: NamespaceService,
    private readonly queues: QueueRegistry,
    private readonly clock: Clock,
  ) {}

  async list(limit: number, cursor: string | null): Promise<Page<TopicView>> {
    const records = new Map<string, TopicRecord>();
    for (const topic of await this.catalog.listTopics()) records.set(topic.name, { name: topic.name, source: 'api', createdAt: topic.createdAt });
    for (const name of this.files.current().topics.keys()) records.set(name, { name, source: 'file', createdAt: null });
    const page = pageByName([...records.values()], (record) => record.name, limit, cursor);
    const bindings = await this.catalog.listBindings();
    const items = page.items.map((record) =>
      this.view(record, record.source === 'file' ? this.fileQueues(record.name) : bindings.filter((b) => b.topic === record.name).map((b) => b.queue)),
    );
    return { items, nextCursor: page.nextCursor };
  }

  async get(name: string): Promise<TopicView> {
    const record = await this.require(name);
    return this.view(record, await this.boundQueues(record));
  }

  async create(body: unknown): Promise<TopicView> {
    const input = validateInput<TopicInput>(topicInputSchema, structuredClone(body ?? null), 'INVALID_TOPIC_DEFINITION', 'topic definition');
    assertNotReserved(input.name, 'topic');
    await this.namespace.assertFree(input.name);
    for (const queue of input.queues) this.queues.require(queue);
    // leftovers of an earlier topic with this name (e.g. deleted on a replica that crashed midway)
    await this.removeBindings(input.name);
    await this.grants.deleteForResource('topic', input.name);
    await this.catalog.putTopic({ name: input.name, createdAt: this.clock.now() });
    for (const queue of input.queues) await this.catalog.bind({ topic: input.name, queue });
    return this.get(input.name);
  }

  /** Deletes the topic with its bindings and grants (the queues and their messages stay). */
  async delete(name: string): Promise<void> {
    await this.requireApiManaged(name);
    await this.catalog.deleteTopic(name);
    await this.removeBindings(name);
    await this.grants.deleteForResource('topic', name);
  }

  /** Idempotent. */
  async bind(topic: string, queue: string): Promise<void> {
    await this.requireApiManaged(topic);
    this.queues.require(queue);
    if ((await this.catalog.listBindings()).some((b) => b.topic === topic && b.queue === queue)) return;
    await this.catalog.bind({ topic, queue });
  }

  /** Idempotent: unbinding a queue that is not bound succeeds. */
  async unbind(topic: string, queue: string): Promise<void> {
    await this.requireApiManaged(topic);
    this.queues.require(queue);
    await this.catalog.unbind({ topic, queue });
  }

  /** The queues a publish to `topic` reaches (TOPIC_NOT_FOUND if there is no such topic). */
  async queuesOf(topic: string): Promise<string[]> {
    return this.boundQueues(await this.require(topic));
  }

  private async require(name: string): Promise<TopicRecord> {
    if (this.files.current().topics.has(name)) return { name, source: 'file', createdAt: null };
    const topic = await this.catalog.getTopic(name);
    if (!topic) throw new DomainError('TOPIC_NOT_FOUND', `Topic ${name} does not exist`);
    return { name, source: 'api', createdAt: topic.createdAt };
  }

  private async requireApiManaged(name: string): Promise<TopicRecord> {
    const record = await this.require(name);
    if (record.source === 'file') {
      throw new DomainError('MANAGED_BY_CONFIG', `Topic ${name} is defined in a config file and cannot be changed through the API`);
    }
    return record;
  }

  private async boundQueues(record: TopicRecord): Promise<string[]> {
    if (record.source === 'file') return this.fileQueues(record.name);
    return (await this.catalog.listBindings())
      .filter((b) => b.topic === record.name)
      .map((b) => b.queue)
      .sort();
  }

  private fileQueues(name: string): string[] {
    return [...(this.files.current().topics.get(name)?.queues ?? [])].sort();
  }

  private async removeBindings(topic: string): Promise<void> {
    for (const binding of await this.catalog.listBindings()) {
      if (binding.topic === topic) await this.catalog.unbind(binding);
    }
  }

  private view(record: TopicRecord, queues: string[]): TopicView {
    return {
      name: record.name,
      source: record.source,
      queues: [...queues].sort(),
      createdAt: record.createdAt === null ? null : new Date(record.createdAt).toISOString(),
    };
  }
}
