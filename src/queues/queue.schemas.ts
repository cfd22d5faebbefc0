/** JSON Schemas of the queue admin API: they validate requests and document them in OpenAPI. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$';

export const queueDefinitionInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN, example: 'orders' },
    storageEngine: {
      type: 'string',
      enum: ['filesystem', 'sql'],
      description: 'default: sql when DATABASE_URL is set (or a connectionString is given), else filesystem; STORAGE_ENGINES limits the choice',
    },
    connectionString: { type: 'string', nullable: true, maxLength: 2048, example: 'postgres://app:${ORDERS_DB_PASSWORD}@db:5432/app' },
    client_id: { type: 'string', nullable: true, minLength: 1, maxLength: 200 },
    roles: {
      type: 'object',
      additionalProperties: false,
      properties: {
        needsRole: { type: 'boolean', default: true },
        replace: { type: 'boolean', default: false },
        roles: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 100, default: [] },
      },
    },
    incoming: {
      type: 'object',
      additionalProperties: false,
      properties: {
        schema: { description: 'JSON Schema (draft 2020-12 or draft-07) for incoming messages', oneOf: [{ type: 'object' }, { type: 'boolean' }] },
      },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      properties: {
        visibilityTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 43200, default: 30 },
        maxAttempts: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 1,
          description: 'handler attempts (a rejection, timeout or crash is a failed attempt); 1 = no retry',
        },
        maxReceives: {
          type: 'integer',
          minimum: 0,
          maximum: 1000,
          default: 0,
          description: 'receives of a pulled message before an expired lease makes it ERROR (and dead-letters it); 0 = unlimited (SQS maxReceiveCount)',
        },
        backoffSeconds: { type: 'integer', minimum: 0, maximum: 3600, default: 5 },
        deadLetterQueue: { type: 'string', nullable: true, pattern: NAME_PATTERN },
        handlerTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 30 },
        concurrency: { type: 'integer', minimum: 1, maximum: 256, default: 4 },
      },
    },
    ordering: {
      type: 'object',
      additionalProperties: false,
      description: 'FIFO message groups (SQS FIFO queues, Service Bus sessions); see docs/fifo.md',
      properties: {
        mode: {
          type: 'string',
          enum: ['standard', 'fifo'],
          default: 'standard',
          description: 'fifo: strict order within a message group, one batch of a group in flight at a time; pushes need Message-Group-Id',
        },
        contentBasedDeduplication: {
          type: 'boolean',
          default: false,
          description: 'fifo: a message without Deduplication-Id is deduplicated by the SHA-256 of its body',
        },
        deduplicationWindowSeconds: {
          type: 'integer',
          minimum: 1,
          maximum: 86400,
          default: 300,
          description: 'fifo: how long a deduplication id is remembered (SQS: 5 minutes)',
        },
      },
    },
    retention: {
      type: 'object',
      additionalProperties: false,
      properties: {
        processedMinutes: { type: 'integer', minimum: 1, maximum: 5256000, default: 180 },
        allHours: { type: 'integer', minimum: 1, maximum: 87600, default: 72 },
      },
    },
    sqs: {
      type: 'object',
      additionalProperties: false,
      description: 'SQS attributes without a Mailroom equivalent, and tags (see docs/sqs.md)',
      properties: {
        delaySeconds: { type: 'integer', minimum: 0, maximum: 900, default: 0 },
        receiveMessageWaitTimeSeconds: { type: 'integer', minimum: 0, maximum: 20, default: 0 },
        tags: {
          type: 'object',
          maxProperties: 50,
          propertyNames: { minLength: 1, maxLength: 128 },
          additionalProperties: { type: 'string', maxLength: 256 },
          default: {},
        },
      },
    },
  },
};

const settled = <T extends { properties: object }>(schema: T) => ({ ...schema, required: Object.keys(schema.properties) });
const input = queueDefinitionInputSchema.properties;

/** A queue as the API returns it: every default applied. */
export const queueViewSchema = {
  type: 'object',
  required: [
    'name',
    'storageEngine',
    'connectionString',
    'client_id',
    'roles',
    'incoming',
    'delivery',
    'ordering',
    'retention',
    'source',
    'hasHandler',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    ...input,
    roles: settled(input.roles),
    incoming: settled(input.incoming),
    delivery: settled(input.delivery),
    ordering: settled(input.ordering),
    retention: settled(input.retention),
    sqs: { ...settled(input.sqs), description: 'present on queues created or changed over SQS' },
    connectionString: { type: 'string', nullable: true, description: 'password shown as ***' },
    source: { type: 'string', enum: ['file', 'api'] },
    hasHandler: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

export const queueListSchema = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: queueViewSchema }, nextCursor: { type: 'string', nullable: true } },
};

export const queueStatsSchema = {
  type: 'object',
  required: ['queue', 'counts', 'oldestPendingAgeSeconds', 'storage'],
  properties: {
    queue: { type: 'string' },
    counts: {
      type: 'object',
      required: ['PENDING', 'INPROGRESS', 'COMPLETE', 'ERROR'],
      properties: { PENDING: { type: 'integer' }, INPROGRESS: { type: 'integer' }, COMPLETE: { type: 'integer' }, ERROR: { type: 'integer' } },
    },
    oldestPendingAgeSeconds: { type: 'number', nullable: true },
    storage: {
      type: 'object',
      description:
        "whether the queue's storage answered its last use, and since when; while it does not, this route answers 503 STORAGE_UNAVAILABLE with this object in details.storage",
      required: ['available', 'since'],
      properties: { available: { type: 'boolean' }, since: { type: 'string', format: 'date-time' } },
    },
  },
};
