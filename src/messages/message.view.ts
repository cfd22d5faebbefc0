import type { DeadLetterInfo, StoredMessage } from '@app/storage/ports/message.store';

/** A message as the API returns it: times as ISO strings, delivery internals left out. */
export interface MessageView extends Pick<StoredMessage, 'id' | 'queue' | 'status' | 'request' | 'result' | 'error' | 'attempts' | 'sentBy'> {
  createdAt: string;
  updatedAt: string;
  availableAt?: string;
  deadLetter?: DeadLetterInfo;
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
  return view;
}

export const messageViewSchema = {
  type: 'object',
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
    deadLetter: { type: 'object', properties: { queue: { type: 'string' }, id: { type: 'string' }, error: { type: 'object', nullable: true } } },
  },
};

export const messagePageSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: messageViewSchema }, nextCursor: { type: 'string', nullable: true } },
};
