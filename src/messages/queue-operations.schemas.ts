import { MESSAGE_STATUSES, type MessageStatus } from '@app/domain/message';
import { NAME_PATTERN } from '@app/queues/queue.schemas';

/** JSON Schemas of purge and redrive: they validate the bodies and document them in OpenAPI. */

export const MAX_PURGE_PER_REQUEST = 10_000;
export const MAX_REDRIVE_PER_REQUEST = 1_000;

export interface PurgeInput {
  status?: MessageStatus;
  maxMessages: number;
}

export interface RedriveInput {
  sourceQueue?: string;
  ids?: string[];
  status?: 'PENDING' | 'ERROR';
  olderThanSeconds?: number;
  maxMessages: number;
  cursor?: string;
}

export const purgeBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...MESSAGE_STATUSES], description: 'delete only messages in this status; default: every message, leased ones included' },
    maxMessages: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_PURGE_PER_REQUEST,
      default: MAX_PURGE_PER_REQUEST,
      description: 'at most this many are deleted by this request; repeat while `done` is false',
    },
  },
};

export const purgeResponseSchema = {
  type: 'object',
  required: ['queue', 'status', 'deleted', 'done'],
  properties: {
    queue: { type: 'string' },
    status: { type: 'string', nullable: true, enum: [...MESSAGE_STATUSES, null] },
    deleted: { type: 'integer' },
    done: { type: 'boolean', description: 'false: matching messages are left (maxMessages reached); send the request again' },
  },
};

export const redriveBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sourceQueue: { type: 'string', pattern: NAME_PATTERN, description: 'only dead letters of this source queue' },
    ids: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_REDRIVE_PER_REQUEST,
      uniqueItems: true,
      items: { type: 'string', format: 'uuid' },
      description: 'only these dead-letter messages (ids in the dead-letter queue)',
    },
    status: {
      type: 'string',
      enum: ['PENDING', 'ERROR'],
      description: 'only dead letters in this status; default both (leased and completed ones are never redriven)',
    },
    olderThanSeconds: { type: 'integer', minimum: 0, maximum: 315_360_000, description: 'only dead letters stored at least this long ago' },
    maxMessages: { type: 'integer', minimum: 1, maximum: MAX_REDRIVE_PER_REQUEST, default: 100, description: 'at most this many are redriven by this request' },
    cursor: { type: 'string', minLength: 1, maxLength: 512, description: 'nextCursor of the previous answer, to go on where it stopped' },
  },
};

export const REDRIVE_OUTCOMES = ['requeued', 'resent', 'discarded'] as const;
export type RedriveOutcome = (typeof REDRIVE_OUTCOMES)[number];
export const REDRIVE_SKIPS = [
  'NOT_A_DEAD_LETTER',
  'SOURCE_QUEUE_NOT_FOUND',
  'FORBIDDEN',
  'MESSAGE_SCHEMA_INVALID',
  'PAYLOAD_TOO_LARGE',
  'NOT_REDRIVABLE',
  'MESSAGE_NOT_FOUND',
] as const;
export type RedriveSkip = (typeof REDRIVE_SKIPS)[number];

export const redriveResponseSchema = {
  type: 'object',
  required: ['queue', 'redriven', 'items', 'skipped', 'nextCursor', 'done'],
  properties: {
    queue: { type: 'string', description: 'the dead-letter queue' },
    redriven: { type: 'integer', description: 'dead letters handled and deleted from the dead-letter queue by this request' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'source', 'outcome'],
        properties: {
          id: { type: 'string', description: 'the dead letter (deleted now)' },
          source: {
            type: 'object',
            required: ['queue', 'id'],
            properties: { queue: { type: 'string' }, id: { type: 'string', description: 'the message that will be processed again' } },
          },
          outcome: {
            type: 'string',
            enum: [...REDRIVE_OUTCOMES],
            description:
              'requeued: the failed original went back to PENDING; resent: the original was gone, a new PENDING message was stored; discarded: the original had already been requeued or redriven, nothing new is enqueued',
          },
        },
      },
    },
    skipped: {
      type: 'array',
      description: 'dead letters left in place, with the reason',
      items: { type: 'object', required: ['id', 'reason'], properties: { id: { type: 'string' }, reason: { type: 'string', enum: [...REDRIVE_SKIPS] } } },
    },
    nextCursor: { type: 'string', nullable: true, description: 'more dead letters may match: send the request again with this cursor' },
    done: { type: 'boolean' },
  },
};
