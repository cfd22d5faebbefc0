import type { QueueDefinition } from '@app/domain/queue';
import type { Binding, TopicDefinition } from '@app/domain/topic';

/**
 * Queues and topics created through the API, and topic bindings. Definitions from
 * config files are not stored here. Lives in DATABASE_URL when set, else in DATA_DIR.
 */
export abstract class CatalogStore {
  abstract listQueues(): Promise<QueueDefinition[]>;
  abstract getQueue(name: string): Promise<QueueDefinition | null>;
  abstract putQueue(definition: QueueDefinition): Promise<void>;
  abstract deleteQueue(name: string): Promise<boolean>;

  abstract listTopics(): Promise<TopicDefinition[]>;
  abstract getTopic(name: string): Promise<TopicDefinition | null>;
  abstract putTopic(topic: TopicDefinition): Promise<void>;
  abstract deleteTopic(name: string): Promise<boolean>;

  abstract listBindings(): Promise<Binding[]>;
  abstract bind(binding: Binding): Promise<void>;
  abstract unbind(binding: Binding): Promise<boolean>;

  /** A token that changes whenever the catalog changes (for replicas polling for changes). */
  abstract version(): Promise<string>;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}
