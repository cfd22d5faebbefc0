import { deduplicatedViewSchema, messageViewSchema } from '@app/messages/message.view';

/** JSON Schemas of the batch push: they validate the body and document it in OpenAPI. */

const fifoIdSchema = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' };

export const batchBodySchema = {
  type: 'object',
  additionalProperties: false,
  description: 'either `messages` (the bodies) or `entries` (each body with its own FIFO fields)',
  oneOf: [{ required: ['messages'] }, { required: ['entries'] }],
  properties: {
    messages: { type: 'array', minItems: 1, maxItems: 100, items: {} },
    entries: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['message'],
        properties: {
          message: { description: 'the message body' },
          groupId: { ...fifoIdSchema, description: 'FIFO queues: its message group (default: the Message-Group-Id header)' },
          deduplicationId: { ...fifoIdSchema, description: 'FIFO queues: its deduplication id' },
        },
      },
    },
  },
};

export interface BatchInput {
  messages?: unknown[];
  entries?: Array<{ message: unknown; groupId?: string; deduplicationId?: string }>;
}

export const batchResultSchema = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: { oneOf: [messageViewSchema, deduplicatedViewSchema] } } },
};
