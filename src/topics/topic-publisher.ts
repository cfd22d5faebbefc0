import type { SenderOptions } from '@app/messages/messages.service';

export interface PublishOptions extends SenderOptions {
  sentBy: string | null;
  idempotencyKey?: string | null;
  /** the message group of the copies stored in FIFO queues (copies in other queues have none) */
  groupId?: string | null;
}

export interface PublishResult {
  topic: string;
  messages: { queue: string; id: string }[];
}

/**
 * Publishing to a topic: the topics API and queue handlers (messagingService.publish) use it;
 * FanOutService implements it.
 */
export abstract class TopicPublisher {
  abstract publish(topic: string, body: unknown, options: PublishOptions): Promise<PublishResult>;
}
