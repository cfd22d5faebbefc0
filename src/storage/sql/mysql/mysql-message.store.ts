import type { StoredMessage } from '@app/domain/message';
import type { ClaimRequest, Settlement } from '@app/storage/ports/message.store';
import type { SqlDialect } from '@app/storage/sql/sql-dialect';
import { leasedCopy, notFound, parse, rowToMessage, stale } from '@app/storage/sql/sql-message-rows';
import { SqlMessageStore } from '@app/storage/sql/sql-message.store';
import type { SettleChanges, SqlStatement } from '@app/storage/sql/sql-statement';

/** The statement only MySQL and MariaDB need, beside SqlDialect's (MysqlDialect builds it). */
export interface MysqlStatements {
  /** Leases the rows the locking SELECT (`claim`) returned, each with its own receipt. */
  leaseClaimed(queue: string, claimed: Array<{ id: string; receipt: string }>, now: number, leaseExpiresAt: number): SqlStatement;
}

/**
 * The message store on MySQL and MariaDB, whose UPDATE cannot hand back the changed rows: the
 * claim locks its batch with a SELECT and leases it in the same transaction, and a settlement,
 * lease extension or requeue reads the message to answer with it.
 */
export class MysqlMessageStore extends SqlMessageStore<SqlDialect & MysqlStatements> {
  protected override claimBatch(queue: string, request: ClaimRequest): Promise<StoredMessage[]> {
    return this.db.transaction(async (run) => {
      const { records } = await run(this.sql.claim(queue, request.now, request.leaseExpiresAt, request.max));
      if (!records.length) return [];
      const claimed = records.map((row) => leasedCopy(rowToMessage(row), request));
      await run(this.sql.leaseClaimed(queue, claimed, request.now, request.leaseExpiresAt));
      return claimed;
    });
  }

  protected override async writeSettlement(queue: string, id: string, receipt: string, settlement: Settlement, change: SettleChanges): Promise<StoredMessage> {
    const current = await this.get(queue, id);
    if (!current) throw notFound(queue, id);
    if (current.status !== 'INPROGRESS' || current.receipt !== receipt) throw stale();
    if (settlement.leaseActiveAt !== undefined && current.leaseExpiresAt !== null && current.leaseExpiresAt <= settlement.leaseActiveAt) throw stale();
    const { affected } = await this.db.query(this.sql.settle(queue, id, receipt, change));
    if (affected === 0) throw (await this.get(queue, id)) ? stale() : notFound(queue, id);
    return {
      ...current,
      status: settlement.status,
      updatedAt: settlement.now,
      leaseExpiresAt: null,
      receipt: null,
      result: settlement.result !== undefined ? parse<unknown>(change.result) : current.result,
      error: settlement.error !== undefined ? parse<NonNullable<StoredMessage['error']>>(change.error) : current.error,
      availableAt: change.availableAt ?? current.availableAt,
      seq: change.seq ?? current.seq,
      attempts: change.uncountAttempt ? Math.max(0, current.attempts - 1) : current.attempts,
    };
  }

  override async extendLease(queue: string, id: string, receipt: string, leaseExpiresAt: number, now: number): Promise<StoredMessage> {
    const { affected } = await this.db.query(this.sql.extendLease(queue, id, receipt, leaseExpiresAt, now));
    const current = await this.get(queue, id);
    if (!current) throw notFound(queue, id);
    if (affected === 0 || current.receipt !== receipt) throw stale();
    return current;
  }

  protected override async requeued(queue: string, id: string, now: number): Promise<StoredMessage | null> {
    const { affected } = await this.db.query(this.sql.requeue(queue, id, now));
    return affected > 0 ? this.get(queue, id) : null;
  }
}
