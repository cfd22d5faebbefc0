import { randomUUID } from 'node:crypto';
import { DomainError } from '@app/common/domain-error';
import type { MessageStatus, StoredMessage } from '@app/domain/message';
import type { ClaimRequest } from '@app/storage/ports/message.store';
import { MESSAGE_COLUMNS, type SqlScalar } from '@app/storage/sql/sql-statement';

export type Row = Record<string, unknown>;

export const bySeq = (a: StoredMessage, b: StoredMessage) => a.seq - b.seq || (a.id < b.id ? -1 : 1);

export function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function parse<T>(value: unknown): T | null {
  return value === null || value === undefined ? null : (JSON.parse(String(value)) as T);
}

export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function rowToMessage(row: Row): StoredMessage {
  return {
    id: String(row.id),
    queue: String(row.queue),
    status: row.status as MessageStatus,
    request: parse(row.request),
    result: parse(row.result),
    error: parse(row.error),
    attempts: num(row.attempts),
    sentBy: (row.sent_by as string | null) ?? null,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    seq: num(row.seq),
    availableAt: num(row.available_at),
    leaseExpiresAt: row.lease_expires_at === null || row.lease_expires_at === undefined ? null : num(row.lease_expires_at),
    receipt: (row.receipt as string | null) ?? null,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    deadLetter: parse(row.dead_letter),
    groupId: (row.group_id as string | null | undefined) ?? null,
    senderRoles: parse(row.sender_roles),
    deduplicationId: (row.dedup_id as string | null | undefined) ?? null,
  };
}

export function messageRow(m: StoredMessage): SqlScalar[] {
  const values: Record<(typeof MESSAGE_COLUMNS)[number], SqlScalar> = {
    queue: m.queue,
    id: m.id,
    seq: m.seq,
    status: m.status,
    request: JSON.stringify(m.request ?? null),
    result: json(m.result),
    error: json(m.error),
    dead_letter: json(m.deadLetter),
    attempts: m.attempts,
    sent_by: m.sentBy,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    available_at: m.availableAt,
    lease_expires_at: m.leaseExpiresAt,
    receipt: m.receipt,
    idempotency_key: m.idempotencyKey,
    group_id: m.groupId,
    sender_roles: json(m.senderRoles),
    dedup_id: m.deduplicationId ?? null,
  };
  return MESSAGE_COLUMNS.map((c) => values[c]);
}

/** A claimed message as the lease about to be written leaves it (a fresh receipt, one more attempt). */
export function leasedCopy(m: StoredMessage, request: ClaimRequest): StoredMessage & { receipt: string } {
  return { ...m, status: 'INPROGRESS', attempts: m.attempts + 1, receipt: randomUUID(), leaseExpiresAt: request.leaseExpiresAt, updatedAt: request.now };
}

export const stale = () => new DomainError('RECEIPT_STALE', 'The receipt is not the current lease of this message');
export const notFound = (queue: string, id: string) => new DomainError('MESSAGE_NOT_FOUND', `Message ${id} not found in queue ${queue}`);
