import type { MessageErrorInfo, MessageStatus, StoredMessage } from '@app/domain/message';

/**
 * Journal records. Every change of a queue is one record, applied to the in-memory state
 * by the same code when it happens and when the journal is replayed at start.
 */
export type JournalRecord =
  | { t: 'h'; seq: number }
  | { t: 'i'; ms: StoredMessage[] }
  | { t: 'c'; now: number; le: number; ms: Array<[string, string]> }
  | { t: 's'; id: string; st: MessageStatus; now: number; r?: unknown; e?: MessageErrorInfo | null; av?: number; sq?: number; un?: 1 }
  | { t: 'x'; id: string; le: number; now: number }
  | { t: 'q'; id: string; now: number }
  | { t: 'd'; ids: string[] }
  | { t: 'p' }
  | { t: 'u'; id: string; k: string }
  | { t: 'k'; k: string; v: unknown }
  | { t: 'kd'; k: string };
