export const MESSAGES_TABLE = 'mailroom_messages';
export const KV_TABLE = 'mailroom_kv';
export const FIFO_LOCKS_TABLE = 'mailroom_fifo_locks';

/** Columns of mailroom_messages, in the order of every INSERT. */
export const MESSAGE_COLUMNS = [
  'queue',
  'id',
  'seq',
  'status',
  'request',
  'result',
  'error',
  'dead_letter',
  'attempts',
  'sent_by',
  'created_at',
  'updated_at',
  'available_at',
  'lease_expires_at',
  'receipt',
  'idempotency_key',
  'group_id',
  'sender_roles',
  'dedup_id',
] as const;

export type MessageColumn = (typeof MESSAGE_COLUMNS)[number];
/** A bound value; postgres array parameters (unnest inserts) carry arrays of these. */
export type SqlScalar = string | number | null;
export type SqlValue = SqlScalar | SqlScalar[];

export interface SqlStatement {
  sql: string;
  params: SqlValue[];
  /**
   * postgres: a name (mailroom_…) under which connections keep the statement prepared, so the
   * server need not parse and plan it on every call (see PgPreparedStatements). One name, one
   * text: only for texts that embed no values.
   */
  name?: string;
}

export interface SqlResult {
  records: Array<Record<string, unknown>>;
  affected: number;
}

export type Run = (statement: SqlStatement) => Promise<SqlResult>;

/** The changes a settlement writes; `null` = set the column to NULL, undefined = keep it. */
export interface SettleChanges {
  status: string;
  updatedAt: number;
  result?: string | null;
  error?: string | null;
  availableAt?: number;
  seq?: number;
  uncountAttempt?: boolean;
  /** only while lease_expires_at is later than this */
  leaseActiveAt?: number;
}
