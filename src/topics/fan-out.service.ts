import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DomainError } from '@app/common/domain-error';
import { QueueRegistry, type QueueEntry } from '@app/queues/queue-registry.service';
import { MessagesService } from '@app/messages/messages.service';
import { TopicPublisher, type PublishOptions, type PublishResult } from '@app/messages/topic-publisher';
import { TopicsService } from '@app/topics/topics.service';

export interface FanOutResult extends PublishResult {
  /** every copy existed already (the Idempotency-Key was used before) */
  replayed: boolean;
}

const MAX_KEY = 200;

/**
 * The idempotency key of a topic message in each bound queue: `topic:<topic>:<key>`, so a
 * retried publish makes no second copy anywhere. Keys too long for that form are hashed.
 */
export function fanOutKey(topic: string, key: string): string {
  const plain = `topic:${topic}:${key}`;
  if (plain.length <= MAX_KEY) return plain;
  return `topic:${topic}:sha256:${createHash('sha256').update(key).digest('base64url')}`;
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
    if (key !== null && (key.length === 0 || key.length > MAX_KEY)) {
      throw new DomainError('VALIDATION_FAILED', `Idempotency-Key must be 1 to ${MAX_KEY} visible ASCII characters`);
    }
    const entries = this.boundEntries(topic, await this.topics.queuesOf(topic));
    const records = entries.map((entry) => this.messages.prepare(entry, body, { sentBy: options.sentBy, idempotencyKey: key === null ? null : fanOutKey(topic, key) }));
    const outcomes = await this.messages.insertPrepared(records);
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
      else this.logger.warn(`topic ${topic} names queue ${name}, which does not exist; skipped`);
    }
    return entries;
  }
}
