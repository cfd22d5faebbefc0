import { Injectable, Logger } from '@nestjs/common';
import { QueueRegistry, type QueueEntry } from '@app/queues/queue-registry.service';
import { assertOwnReplays, MessagesService, sender } from '@app/messages/messages.service';
import { assertClientKey, assertFifoId, storedIdempotencyKey } from '@app/messages/idempotency-key';
import { TopicPublisher, type PublishOptions, type PublishResult } from '@app/topics/topic-publisher';
import { TopicsService } from '@app/topics/topics.service';

export interface FanOutResult extends PublishResult {
  /** every copy existed already (the Idempotency-Key was used before) */
  replayed: boolean;
}

/**
 * Publishing to a topic: the message is checked against the schema of every bound queue
 * first (nothing is stored if one refuses it), then one copy is stored per bound queue.
 * Needs no right on the queues: the caller's right to publish was checked on the topic.
 */
@Injectable()
export class FanOutService extends TopicPublisher {
  private readonly logger = new Logger('FanOut');

  constructor(
    private readonly topics: TopicsService,
    private readonly registry: QueueRegistry,
    private readonly messages: MessagesService,
  ) {
    super();
  }

  async publish(topic: string, body: unknown, options: PublishOptions): Promise<PublishResult> {
    const { replayed: _replayed, ...result } = await this.fanOut(topic, body, options);
    return result;
  }

  async fanOut(topic: string, body: unknown, options: PublishOptions): Promise<FanOutResult> {
    const key = options.idempotencyKey ?? null;
    if (key !== null) assertClientKey(key);
    const groupId = options.groupId ?? null;
    if (groupId !== null) assertFifoId(groupId, 'Message-Group-Id');
    const storedKey = key === null ? null : storedIdempotencyKey({ kind: 'topic', sentBy: options.sentBy, topic, key });
    const entries = this.boundEntries(topic, await this.topics.queuesOf(topic));
    const records = entries.map((entry) => this.messages.prepare(entry, body, { ...sender(options), sentBy: options.sentBy, storedKey, groupId }));
    const outcomes = await this.messages.insertPrepared(records);
    assertOwnReplays(outcomes, options.sentBy);
    return {
      topic,
      messages: outcomes.map(({ message }) => ({ queue: message.queue, id: message.id })),
      replayed: outcomes.length > 0 && outcomes.every((o) => o.replayed),
    };
  }

  private boundEntries(topic: string, queues: string[]): QueueEntry[] {
    const entries: QueueEntry[] = [];
    for (const name of queues) {
      const entry = this.registry.get(name);
      if (entry) entries.push(entry);
      else this.logger.warn({ topic, queue: name }, 'topic names a queue that does not exist; skipped');
    }
    return entries;
  }
}
