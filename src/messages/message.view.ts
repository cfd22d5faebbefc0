import type { DeadLetterInfo, StoredMessage } from '@app/domain/message';

/** A message as the API returns it: times as ISO strings, delivery internals left out. */
export interface MessageView extends Pick<StoredMessage, 'id' | 'queue' | 'status' | 'request' | 'result' | 'error' | 'attempts' | 'sentBy'> {
  createdAt: string;
  updatedAt: string;
  availableAt?: string;
  deadLetter?: DeadLetterInfo;
  /** FIFO queues */
  groupId?: string;
  sequenceNumber?: string;
}

/** A FIFO duplicate of another sender's message: which message it is, nothing of its content. */
export interface DeduplicatedView {
  id: string;
  queue: string;
  status: StoredMessage['status'];
  groupId?: string;
  sequenceNumber?: string;
  deduplicated: true;
}

export function toDeduplicatedView(message: StoredMessage): DeduplicatedView {
  const view: DeduplicatedView = { id: message.id, queue: message.queue, status: message.status, deduplicated: true };
  if (message.groupId) {
    view.groupId = message.groupId;
    view.sequenceNumber = String(message.seq);
  }
  return view;
}

export function toMessageView(message: StoredMessage): MessageView {
  const view: MessageView = {
    id: message.id,
    queue: message.queue,
    status: message.status,
    request: message.request,
    result: message.result ?? null,
    error: message.error,
    attempts: message.attempts,
    sentBy: message.sentBy,
    createdAt: new Date(message.createdAt).toISOString(),
    updatedAt: new Date(message.updatedAt).toISOString(),
  };
  if (message.status === 'PENDING' && message.availableAt > message.updatedAt) view.availableAt = new Date(message.availableAt).toISOString();
  if (message.deadLetter) view.deadLetter = message.deadLetter;
  if (message.groupId) {
    view.groupId = message.groupId;
    view.sequenceNumber = String(message.seq);
  }
  return view;
}

export const messageViewSchema = {
  type: 'object',
  required: ['id', 'queue', 'status', 'request', 'result', 'error', 'attempts', 'sentBy', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    queue: { type: 'string' },
    status: { type: 'string', enum: ['PENDING', 'INPROGRESS', 'COMPLETE', 'ERROR'] },
    request: { description: 'the message as pushed' },
    result: { description: 'what the handler resolved with, or the ack result', nullable: true },
    error: { type: 'object', nullable: true, properties: { name: { type: 'string' }, message: { type: 'string' } } },
    attempts: { type: 'integer' },
    sentBy: { type: 'string', nullable: true },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    availableAt: { type: 'string', format: 'date-time', description: 'present while a PENDING message is delayed' },
    deadLetter: {
      type: 'object',
      description: 'present on a dead letter: the message it is a copy of',
      required: ['queue', 'id', 'error'],
      properties: { queue: { type: 'string' }, id: { type: 'string' }, error: { type: 'object', nullable: true } },
    },
    groupId: { type: 'string', description: 'FIFO queues: the message group' },
    sequenceNumber: { type: 'string', description: 'FIFO queues: increases with each message stored in the queue; the delivery order within a group' },
  },
};

export const deduplicatedViewSchema = {
  type: 'object',
  description: "a FIFO duplicate of another sender's message: which message it is, nothing of its content",
  required: ['id', 'queue', 'status', 'deduplicated'],
  properties: {
    id: messageViewSchema.properties.id,
    queue: messageViewSchema.properties.queue,
    status: messageViewSchema.properties.status,
    groupId: messageViewSchema.properties.groupId,
    sequenceNumber: messageViewSchema.properties.sequenceNumber,
    deduplicated: { type: 'boolean', enum: [true] },
  },
};

export const messagePageSchema = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: messageViewSchema }, nextCursor: { type: 'string', nullable: true } },
};
