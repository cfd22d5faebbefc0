import { ERROR_STATUS, type ErrorCode } from '@app/common/domain-error';

/** OpenAPI schemas shared by several modules. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export const errorResponseSchema = {
  type: 'object',
  required: ['statusCode', 'error', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 404 },
    error: { type: 'string', example: 'Not Found' },
    code: { type: 'string', enum: ERROR_CODES, example: 'QUEUE_NOT_FOUND', description: 'stable machine-readable code' },
    message: { type: 'string' },
    details: { description: 'extra information, when there is any' },
  },
};

export const schemaErrorResponseSchema = {
  type: 'object',
  required: [...errorResponseSchema.required, 'queue', 'errors'],
  properties: {
    ...errorResponseSchema.properties,
    code: { type: 'string', enum: ['MESSAGE_SCHEMA_INVALID'], example: 'MESSAGE_SCHEMA_INVALID' },
    queue: { type: 'string', description: 'the queue whose schema refused the message' },
    errors: { type: 'array', maxItems: 50, items: { type: 'object' }, description: "ajv's error objects" },
  },
};

/** The named schemas of the OpenAPI document (`components.schemas`); `src/http/openapi.ts` fills them in. */
export type ApiSchemaName =
  | 'Error'
  | 'SchemaError'
  | 'QueueDefinition'
  | 'Queue'
  | 'QueueList'
  | 'Stats'
  | 'Message'
  | 'DeduplicatedMessage'
  | 'MessageList'
  | 'PushBatchRequest'
  | 'PushBatchResult'
  | 'LeasedMessage'
  | 'ReceiveRequest'
  | 'ReceiveResult'
  | 'AckRequest'
  | 'AckBatchRequest'
  | 'AckBatchResult'
  | 'LeaseRequest'
  | 'PurgeRequest'
  | 'PurgeResult'
  | 'RedriveRequest'
  | 'RedriveResult'
  | 'TopicDefinition'
  | 'Topic'
  | 'TopicList'
  | 'PublishResult'
  | 'Grant'
  | 'GrantList'
  | 'Me';

export function apiRef(name: ApiSchemaName): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

/** An error answer: the Error envelope; the codes named in `description` become its `code` enum in the document. */
export function apiError(description: string): { description: string; schema: { $ref: string } } {
  return { description, schema: apiRef('Error') };
}

export const RETRY_AFTER_HEADER = { 'Retry-After': { description: 'seconds to wait before trying again', schema: { type: 'integer', minimum: 0 } } };
