export type StorageEngine = 'filesystem' | 'sql';

export interface QueueRoles {
  needsRole: boolean;
  replace: boolean;
  roles: string[];
}

export interface DeliverySettings {
  visibilityTimeoutSeconds: number;
  maxAttempts: number;
  /** receives of a pulled message before an expired lease ends it as ERROR; 0 = unlimited */
  maxReceives: number;
  backoffSeconds: number;
  deadLetterQueue: string | null;
  handlerTimeoutSeconds: number;
  concurrency: number;
}

/**
 * `standard`: delivery order by seq, any number in flight. `fifo` (SQS FIFO queues, Service Bus
 * sessions): messages of one group are delivered in order and never while an earlier one of the
 * group is in flight; deduplication ids (or the body's SHA-256) are remembered for the window.
 */
export interface OrderingSettings {
  mode: 'standard' | 'fifo';
  contentBasedDeduplication: boolean;
  deduplicationWindowSeconds: number;
}

export interface RetentionSettings {
  processedMinutes: number;
  allHours: number;
}

/** What only the SQS endpoint uses: SQS attributes without a Mailroom equivalent, and tags. */
export interface SqsQueueSettings {
  delaySeconds: number;
  receiveMessageWaitTimeSeconds: number;
  tags: Record<string, string>;
}

/** A queue definition with every default applied. `connectionString` keeps its ${NAME} placeholders. */
export interface QueueDefinition {
  name: string;
  storageEngine: StorageEngine;
  connectionString: string | null;
  client_id: string | null;
  roles: QueueRoles;
  incoming: { schema: Record<string, unknown> | boolean };
  delivery: DeliverySettings;
  ordering: OrderingSettings;
  retention: RetentionSettings;
  /** present on queues created or changed over SQS */
  sqs?: SqsQueueSettings;
  createdAt: number;
  updatedAt: number;
}
