import { NAME_PATTERN } from '@app/queues/queue.schemas';

/** JSON Schemas of the topic API: they validate requests and document them in OpenAPI. */

export interface TopicInput {
  name: string;
  queues: string[];
}

export const topicInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN, example: 'order-events', description: 'shares one namespace with queues' },
    queues: {
      type: 'array',
      items: { type: 'string', pattern: NAME_PATTERN },
      maxItems: 1000,
      uniqueItems: true,
      default: [],
      description: 'queues to bind at once',
    },
  },
};

export const topicViewSchema = {
  type: 'object',
  required: ['name', 'source', 'queues', 'createdAt'],
  properties: {
    name: { type: 'string' },
    source: { type: 'string', enum: ['file', 'api'] },
    queues: { type: 'array', items: { type: 'string' }, description: 'bound queues, by name' },
    createdAt: { type: 'string', format: 'date-time', nullable: true, description: 'null for topics defined by a file' },
  },
};

export const topicListSchema = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: topicViewSchema }, nextCursor: { type: 'string', nullable: true } },
};

export const publishResultSchema = {
  type: 'object',
  required: ['topic', 'messages'],
  properties: {
    topic: { type: 'string' },
    messages: {
      type: 'array',
      items: { type: 'object', required: ['queue', 'id'], properties: { queue: { type: 'string' }, id: { type: 'string', format: 'uuid' } } },
      description: 'one message per bound queue (empty when no queue is bound)',
    },
  },
};
