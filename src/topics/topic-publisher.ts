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
 * Publishing to a topic, as the messages module sees it (handlers' messagingService.publish).
 * Implemented by the topics module; looked up lazily because topics depends on messages.
 */
export abstract class TopicPublisher {
  abstract publish(topic: string, body: unknown, options: PublishOptions): Promise<PublishResult>;
}
