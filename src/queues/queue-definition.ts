import { validateInput } from '@app/common/json-validation';
import { DomainError } from '@app/common/domain-error';
import { assertJsonDepth } from '@app/common/json-depth';
import { assertNotReserved } from '@app/common/reserved-names';
import type { QueueDefinition, StorageEngine } from '@app/domain/queue';
import { queueDefinitionInputSchema } from '@app/queues/queue.schemas';

interface QueueDefinitionInput {
  name: string;
  storageEngine?: StorageEngine;
  connectionString?: string | null;
  client_id?: string | null;
  roles?: Partial<QueueDefinition['roles']>;
  incoming?: { schema?: Record<string, unknown> | boolean };
  delivery?: Partial<QueueDefinition['delivery']>;
  ordering?: Partial<QueueDefinition['ordering']>;
  retention?: Partial<QueueDefinition['retention']>;
  sqs?: Partial<NonNullable<QueueDefinition['sqs']>>;
}

/** Deeper than any schema SCHEMA_MAX_DEPTH can allow, plus `incoming.schema`: refused before anything recurses into it. */
const DEFINITION_MAX_DEPTH = 260;

/**
 * Validates a raw definition (file or API body) and applies every default. Without
 * `storageEngine`, a definition with a connectionString is `sql`, any other gets `defaultEngine`.
 */
export function normalizeQueueDefinition(raw: unknown, now: number, createdAt = now, defaultEngine: StorageEngine = 'filesystem'): QueueDefinition {
  assertJsonDepth(raw, DEFINITION_MAX_DEPTH, 'the queue definition');
  const input = validateInput<QueueDefinitionInput>(queueDefinitionInputSchema, structuredClone(raw ?? null), 'INVALID_QUEUE_DEFINITION', 'queue definition');
  assertNotReserved(input.name, 'queue');
  const storageEngine = input.storageEngine ?? (input.connectionString ? 'sql' : defaultEngine);
  if (storageEngine === 'filesystem' && input.connectionString) {
    throw new DomainError('INVALID_QUEUE_DEFINITION', 'connectionString is only allowed with storageEngine "sql"');
  }
  if (input.delivery?.deadLetterQueue === input.name) {
    throw new DomainError('INVALID_QUEUE_DEFINITION', 'deadLetterQueue cannot be the queue itself');
  }
  return {
    name: input.name,
    storageEngine,
    connectionString: input.connectionString ?? null,
    client_id: input.client_id ?? null,
    roles: { needsRole: true, replace: false, roles: [], ...input.roles },
    incoming: { schema: input.incoming?.schema ?? {} },
    delivery: {
      visibilityTimeoutSeconds: 30,
      maxAttempts: 1,
      maxReceives: 0,
      backoffSeconds: 5,
      handlerTimeoutSeconds: 30,
      concurrency: 4,
      ...input.delivery,
      deadLetterQueue: input.delivery?.deadLetterQueue ?? null,
    },
    ordering: { mode: 'standard', contentBasedDeduplication: false, deduplicationWindowSeconds: 300, ...input.ordering },
    retention: { processedMinutes: 180, allHours: 72, ...input.retention },
    ...(input.sqs ? { sqs: { delaySeconds: 0, receiveMessageWaitTimeSeconds: 0, tags: {}, ...input.sqs } } : {}),
    createdAt,
    updatedAt: now,
  };
}
