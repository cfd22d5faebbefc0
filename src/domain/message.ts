export type MessageStatus = 'PENDING' | 'INPROGRESS' | 'COMPLETE' | 'ERROR';
export const MESSAGE_STATUSES: readonly MessageStatus[] = ['PENDING', 'INPROGRESS', 'COMPLETE', 'ERROR'];

export interface MessageErrorInfo {
  name: string;
  message: string;
  [key: string]: unknown;
}

export interface DeadLetterInfo {
  queue: string;
  id: string;
  error: MessageErrorInfo | null;
}

/** A message as stored. Times are epoch milliseconds. */
export interface StoredMessage {
  id: string;
  queue: string;
  status: MessageStatus;
  request: unknown;
  result: unknown;
  error: MessageErrorInfo | null;
  attempts: number;
  sentBy: string | null;
  /** the sender's roles at push time (sorted, bounded); null: not recorded (stored before they were, or a copy of such a message) */
  senderRoles: string[] | null;
  createdAt: number;
  updatedAt: number;
  /** Delivery order: ascending. Assigned at insert; a new, larger one on return_to_end_of_queue. */
  seq: number;
  /** PENDING messages are not delivered before this time (delay, retry backoff). */
  availableAt: number;
  /** Set while INPROGRESS: the lease. */
  leaseExpiresAt: number | null;
  receipt: string | null;
  idempotencyKey: string | null;
  deadLetter: DeadLetterInfo | null;
  /** FIFO message group (queues with ordering.mode fifo); null: no group */
  groupId: string | null;
  /** a FIFO message's deduplication id as sent (idempotencyKey holds only its hash, and only for the window); absent or null: none */
  deduplicationId?: string | null;
}

export interface NewMessage {
  id: string;
  queue: string;
  request: unknown;
  sentBy: string | null;
  senderRoles?: string[] | null;
  createdAt: number;
  availableAt: number;
  idempotencyKey: string | null;
  deadLetter?: DeadLetterInfo | null;
  groupId?: string | null;
  deduplicationId?: string | null;
}
