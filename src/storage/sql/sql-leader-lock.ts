import { Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { LeaderLock } from '@app/storage/ports/leader-lock';
import type { SqlDatabase } from '@app/storage/sql/sql-database';

const RELEASE_WAIT_MS = 1_000;

/**
 * A session lock of the catalog database, held on a connection of its own: Postgres
 * pg_try_advisory_lock, MySQL/MariaDB GET_LOCK. The server frees it when that session ends (the
 * process died or lost its connection), and the next replica that asks takes it over. SQL Server
 * has no such lock here: every process leads (docs: aggregate the queue gauges with max by).
 */
export class SqlLeaderLock extends LeaderLock {
  private readonly logger = new Logger('LeaderLock');
  private runner: QueryRunner | null = null;
  private checking: Promise<boolean> | null = null;
  private released = false;

  constructor(
    private readonly db: SqlDatabase,
    /** unique per catalog: advisory and GET_LOCK names are server-wide */
    private readonly name: string,
  ) {
    super();
  }

  private get statements() {
    return this.db.dialect.leaderLockSql;
  }

  held(): Promise<boolean> {
    if (!this.statements) return Promise.resolve(true);
    this.checking ??= this.check().finally(() => (this.checking = null));
    return this.checking;
  }

  async release(): Promise<void> {
    this.released = true;
    await this.checking?.catch(() => undefined);
    const runner = this.runner;
    this.runner = null;
    if (!runner) return;
    // the pool closes right after (shutdown), which ends the session and frees the lock anyway: never wait long here
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, RELEASE_WAIT_MS);
      timer.unref();
    });
    await Promise.race([runner.query(this.statements!.release, [this.name]).catch(() => undefined), giveUp]);
    clearTimeout(timer);
    await runner.release().catch(() => undefined);
  }

  private async check(): Promise<boolean> {
    if (this.released) return false;
    if (this.runner) {
      try {
        await this.runner.query('SELECT 1');
        return true;
      } catch {
        this.logger.warn('lost the connection that held the leader lock; another replica takes over');
        await this.runner.release().catch(() => undefined);
        this.runner = null;
      }
    }
    let runner: QueryRunner | null = null;
    try {
      runner = (await this.db.ready()).createQueryRunner();
      await runner.connect();
      const [row] = (await runner.query(this.statements!.acquire, [this.name])) as Array<{ held: unknown }>;
      if (row && (row.held === true || Number(row.held) === 1) && !this.released) {
        this.runner = runner;
        this.logger.log('this replica leads: it exports the per-queue gauges');
        return true;
      }
    } catch {
      // the catalog database is unavailable: nobody here leads until it answers again
    }
    await runner?.release().catch(() => undefined);
    return false;
  }
}
