import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CatalogStore } from '@app/storage/ports/catalog.store';
import type { QueueDefinition } from '@app/domain/queue';
import type { Binding, TopicDefinition } from '@app/domain/topic';
import { JsonStateFile } from '@app/storage/filesystem/json-state-file';
import { PRIVATE_DIR } from '@app/common/file-modes';

interface CatalogDocument {
  revision: number;
  /** distinguishes a catalog recreated from scratch from an older one with the same revision */
  epoch: string;
  queues: Record<string, QueueDefinition>;
  topics: Record<string, TopicDefinition>;
  bindings: Binding[];
}

/** The catalog in DATA_DIR/catalog.json, replaced atomically on every change. */
export class FilesystemCatalogStore extends CatalogStore {
  private constructor(private readonly file: JsonStateFile<CatalogDocument>) {
    super();
  }

  static async open(dataDir: string): Promise<FilesystemCatalogStore> {
    await fsp.mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR });
    const file = await JsonStateFile.open<CatalogDocument>(path.join(dataDir, 'catalog.json'), () => ({
      revision: 0,
      epoch: randomUUID(),
      queues: {},
      topics: {},
      bindings: [],
    }));
    return new FilesystemCatalogStore(file);
  }

  private get doc(): CatalogDocument {
    return this.file.value;
  }

  async listQueues(): Promise<QueueDefinition[]> {
    return structuredClone(Object.values(this.doc.queues).sort((a, b) => a.name.localeCompare(b.name)));
  }

  async getQueue(name: string): Promise<QueueDefinition | null> {
    const queue = Object.hasOwn(this.doc.queues, name) ? this.doc.queues[name] : null;
    return queue ? structuredClone(queue) : null;
  }

  async putQueue(definition: QueueDefinition): Promise<void> {
    await this.file.update((doc) => {
      doc.queues[definition.name] = structuredClone(definition);
      return { changed: true, result: undefined };
    });
  }

  async deleteQueue(name: string): Promise<boolean> {
    return this.file.update((doc) => {
      if (!Object.hasOwn(doc.queues, name)) return { changed: false, result: false };
      delete doc.queues[name];
      return { changed: true, result: true };
    });
  }

  async listTopics(): Promise<TopicDefinition[]> {
    return structuredClone(Object.values(this.doc.topics).sort((a, b) => a.name.localeCompare(b.name)));
  }

  async getTopic(name: string): Promise<TopicDefinition | null> {
    const topic = Object.hasOwn(this.doc.topics, name) ? this.doc.topics[name] : null;
    return topic ? structuredClone(topic) : null;
  }

  async putTopic(topic: TopicDefinition): Promise<void> {
    await this.file.update((doc) => {
      doc.topics[topic.name] = structuredClone(topic);
      return { changed: true, result: undefined };
    });
  }

  async deleteTopic(name: string): Promise<boolean> {
    return this.file.update((doc) => {
      if (!Object.hasOwn(doc.topics, name)) return { changed: false, result: false };
      delete doc.topics[name];
      return { changed: true, result: true };
    });
  }

  async listBindings(): Promise<Binding[]> {
    return this.doc.bindings.map((b) => ({ ...b }));
  }

  async bind(binding: Binding): Promise<void> {
    await this.file.update((doc) => {
      if (doc.bindings.some((b) => b.topic === binding.topic && b.queue === binding.queue)) return { changed: false, result: undefined };
      doc.bindings.push({ topic: binding.topic, queue: binding.queue });
      return { changed: true, result: undefined };
    });
  }

  async unbind(binding: Binding): Promise<boolean> {
    return this.file.update((doc) => {
      const index = doc.bindings.findIndex((b) => b.topic === binding.topic && b.queue === binding.queue);
      if (index === -1) return { changed: false, result: false };
      doc.bindings.splice(index, 1);
      return { changed: true, result: true };
    });
  }

  async version(): Promise<string> {
    return `${this.doc.epoch}:${this.doc.revision}`;
  }

  async ping(): Promise<void> {
    await fsp.access(path.dirname(this.file.file));
  }

  async close(): Promise<void> {
    await this.file.update(() => ({ changed: false, result: undefined }));
  }
}
