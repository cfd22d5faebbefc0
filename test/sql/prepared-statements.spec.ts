import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { parseConnectionString } from '@app/storage/sql/connection-string';
import { SqlDatabase } from '@app/storage/sql/sql-database';
import { SqlMessageStore } from '@app/storage/sql/sql-message.store';
import { ManualClock } from '@test/support/time';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '@test/support/databases';

describeWithDatabase('postgres', 'prepared statements on postgres', () => {
  Logger.overrideLogger(false);
  let database: IsolatedDatabase;
  const clock = new ManualClock();

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
  });
  afterAll(async () => {
    await database.drop();
  });

  /** Pushes, claims and acks one message; answers each statement's first word and the name it went out under. */
  async function cycle(url: string): Promise<string[]> {
    const db = new SqlDatabase(parseConnectionString(url), 'test', true);
    const store = new SqlMessageStore(db, clock);
    const sent: string[] = [];
    const query = Pool.prototype.query;
    const spy = jest.spyOn(Pool.prototype, 'query').mockImplementation(function (this: Pool, ...args: unknown[]) {
      const [config] = args as [string | { text: string; name?: string }];
      const text = typeof config === 'object' ? config.text : config;
      if (!text.includes('pg_notify')) sent.push(`${text.split(' ')[0]} ${typeof config === 'object' ? (config.name ?? '-') : '-'}`);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    try {
      await db.ready();
      sent.length = 0;
      const id = randomUUID();
      const now = clock.now();
      await store.insert([{ id, queue: 'p', request: { id }, sentBy: null, createdAt: now, availableAt: now, idempotencyKey: null }]);
      const [claimed] = await store.claim('p', { max: 1, now, leaseExpiresAt: now + 30_000 });
      const settled = await store.settle('p', id, claimed.receipt!, { status: 'COMPLETE', now, result: { ok: true } });
      expect(settled).toMatchObject({ status: 'COMPLETE', result: { ok: true } });
      return sent;
    } finally {
      spy.mockRestore();
      await db.close();
    }
  }

  it('sends the insert and the settlement as named statements, and the claim (whose plan depends on the data) unnamed', async () => {
    expect(await cycle(database.url)).toEqual(['INSERT mailroom_insert', 'WITH -', 'UPDATE mailroom_settle_many']);
  });

  it('sends every statement unnamed with preparedStatements=false (poolers in transaction mode)', async () => {
    const url = `${database.url}${database.url.includes('?') ? '&' : '?'}preparedStatements=false`;
    expect(await cycle(url)).toEqual(['INSERT -', 'WITH -', 'UPDATE -']);
  });
});
