import { MAX_DELAY_SECONDS } from '@app/messages/messages.service';
import { messageViewSchema } from '@app/messages/message.view';
import { NAME_PATTERN } from '@app/queues/queue.schemas';

/** JSON Schemas of the pull-consumer routes: they validate the bodies and document them in OpenAPI. */

export const MAX_VISIBILITY_SECONDS = 43_200;

export const ACK_OUTCOMES = ['complete', 'error', 'return_to_queue', 'return_to_end_of_queue', 'send_to_another_queue'] as const;
export type AckOutcome = (typeof ACK_OUTCOMES)[number];

export interface ReceiveInput {
  maxMessages: number;
  visibilityTimeoutSeconds?: number;
  waitSeconds: number;
}

export interface AckInput {
  receipt: string;
  outcome: AckOutcome;
  result?: unknown;
  error?: string | { name?: string; message: string; [key: string]: unknown };
  queue?: string;
  delaySeconds?: number;
}

export interface AckBatchInput {
  entries: Array<Omit<AckInput, 'outcome'> & { id: string; outcome?: AckOutcome }>;
}

export const MAX_ACK_BATCH = 10;

export interface AckBatchResult {
  successful: Array<{ id: string; status: string }>;
  failed: Array<{ id: string; code: string; message: string }>;
}

export interface LeaseInput {
  receipt: string;
  visibilityTimeoutSeconds: number;
}

const receipt = { type: 'string', minLength: 1, maxLength: 200, description: 'the receipt of the delivery being acknowledged' };
const visibility = { type: 'integer', minimum: 1, maximum: MAX_VISIBILITY_SECONDS };

export const receiveBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxMessages: { type: 'integer', minimum: 1, maximum: 50, default: 5 },
    visibilityTimeoutSeconds: { ...visibility, description: "how long the messages stay leased; default: the queue's delivery.visibilityTimeoutSeconds" },
    waitSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 20,
      default: 0,
      description: 'long polling: answer as soon as a message is available, or empty after this many seconds',
    },
  },
};

export const ackBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['receipt', 'outcome'],
  properties: {
    receipt,
    outcome: { type: 'string', enum: [...ACK_OUTCOMES] },
    result: { description: 'stored as the result (outcome complete)' },
    error: {
      description: 'stored as the error (outcome error); a string becomes {name: "ConsumerError", message}',
      oneOf: [
        { type: 'string', maxLength: 10_000 },
        { type: 'object', required: ['message'], properties: { name: { type: 'string', maxLength: 200 }, message: { type: 'string', maxLength: 10_000 } } },
      ],
    },
    queue: { type: 'string', pattern: NAME_PATTERN, description: 'the target queue (required with outcome send_to_another_queue)' },
    delaySeconds: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_DELAY_SECONDS,
      description: 'return_to_queue / return_to_end_of_queue: deliverable again after this delay',
    },
  },
};

export const ackBatchBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['entries'],
  properties: {
    entries: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_ACK_BATCH,
      description: 'one acknowledgement per message (distinct ids); each is applied and answered on its own',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'receipt'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 64, description: 'the message id' },
          ...ackBodySchema.properties,
          outcome: { type: 'string', enum: [...ACK_OUTCOMES], default: 'complete' },
        },
      },
    },
  },
};

export const ackBatchResponseSchema = {
  type: 'object',
  required: ['successful', 'failed'],
  properties: {
    successful: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'status'],
        properties: { id: { type: 'string' }, status: { type: 'string', description: 'the status after the outcome' } },
      },
    },
    failed: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'code', 'message'],
        properties: {
          id: { type: 'string' },
          code: { type: 'string', description: 'the error code the single ack would answer with, e.g. RECEIPT_STALE, MESSAGE_NOT_FOUND, FORBIDDEN' },
          message: { type: 'string' },
        },
      },
    },
  },
};

export const leaseBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['receipt', 'visibilityTimeoutSeconds'],
  properties: { receipt, visibilityTimeoutSeconds: { ...visibility, description: 'the lease now ends this many seconds from now' } },
};

export const leasedMessageViewSchema = {
  type: 'object',
  required: [...messageViewSchema.required, 'receipt', 'leaseExpiresAt'],
  properties: {
    ...messageViewSchema.properties,
    receipt: { type: 'string', description: 'identifies this delivery: pass it to ack and lease' },
    leaseExpiresAt: { type: 'string', format: 'date-time' },
  },
};

export const receiveResponseSchema = {
  type: 'object',
  required: ['messages'],
  properties: { messages: { type: 'array', items: leasedMessageViewSchema } },
};
