import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { parseConnectionString } from '@app/storage/sql/connection-string';
import { SqlDatabase } from '@app/storage/sql/sql-database';
import type { MessageStore } from '@app/storage/ports/message.store';
import { PLAN_LIFETIME_MS } from '@app/storage/sql/postgres/pg-prepared';
import { ManualClock } from '@test/support/time';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '@test/support/databases';

describeWithDatabase('postgres', 'prepared statements on postgres', () => {
  Logger.overrideLogger(false);
  let database: IsolatedDatabase;
  const clock = new ManualClock();
  const withOption = (option: string) => `${database.url}${database.url.includes('?') ? '&' : '?'}${option}`;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    const migrated = new SqlDatabase(parseConnectionString(database.url), 'test', true);
    await migrated.ready();
    await migrated.close();
  });
  afterAll(async () => {
    await database.drop();
  });

  /** Runs `work` on a database and store opened with `option` added to the connection string, closed afterwards. */
  async function withStore(option: string, work: (opened: { db: SqlDatabase; store: MessageStore }) => Promise<void>): Promise<void> {
    const db = new SqlDatabase(parseConnectionString(withOption(option)), 'test', false, () => clock.now());
    try {
      await db.ready();
      await work({ db, store: db.dialect.messageStore(db, clock) });
    } finally {
      await db.close();
    }
  }

  /** Pushes, claims and acks one message through `store`. */
  async function cycle(store: MessageStore): Promise<void> {
    const id = randomUUID();
    const now = clock.now();
    await store.insert([{ id, queue: 'p', request: { id }, sentBy: null, createdAt: now, availableAt: now, idempotencyKey: null }]);
    const [claimed] = await store.claim('p', { max: 1, now, leaseExpiresAt: now + 30_000 });
    expect(claimed.id).toBe(id);
    expect(await store.settle('p', id, claimed.receipt!, { status: 'COMPLETE', now, result: { ok: true } })).toMatchObject({
      status: 'COMPLETE',
      result: { ok: true },
    });
  }

  /** Each statement's first word and the name it went out under ('-' when unnamed), pg_notify left out. */
  async function sentDuring(work: () => Promise<void>): Promise<string[]> {
    const sent: string[] = [];
    const query = Pool.prototype.query;
    const client = jest.spyOn(Pool.prototype, 'query').mockImplementation(function (this: Pool, ...args: unknown[]) {
      const [config] = args as [string | { text: string; name?: string }];
      const text = typeof config === 'object' ? config.text : config;
      if (!text.includes('pg_notify')) sent.push(`${text.split(' ')[0]} ${typeof config === 'object' ? (config.name ?? '-') : '-'}`);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    });
    try {
      await work();
      return sent;
    } finally {
      client.mockRestore();
    }
  }

  it('prepares the insert, the claim and the settlement on the connection, each under one name per generation', async () => {
    await withStore('poolSize=1', async ({ db, store }) => {
      await cycle(store);
      await cycle(store);
      const prepared = async () => (await db.query({ sql: 'SELECT name FROM pg_prepared_statements ORDER BY name', params: [] })).records.map((r) => r.name);
      const generation = Math.floor(clock.now() / PLAN_LIFETIME_MS);
      expect(await prepared()).toEqual([`mailroom_claim_1_g${generation}`, `mailroom_insert_g${generation}`, `mailroom_settle_many_g${generation}`]);
      clock.advance(PLAN_LIFETIME_MS);
      await cycle(store);
      expect(await prepared()).toEqual([
        `mailroom_claim_1_g${generation + 1}`,
        `mailroom_insert_g${generation + 1}`,
        `mailroom_settle_many_g${generation + 1}`,
      ]);
    });
  });

  it('keeps one generic plan for single settlements on a large table instead of re-planning each one', async () => {
    await withStore('poolSize=1', async ({ db, store }) => {
      const now = clock.now();
      // from about 10,000 rows on, a bare unnest's generic estimate (10 rows) lost to the custom plan of one
      for (let i = 0; i < 10; i++) {
        await store.insert(
          Array.from({ length: 1000 }, () => ({
            id: randomUUID(),
            queue: 'big',
            request: {},
            sentBy: null,
            createdAt: now,
            availableAt: now,
            idempotencyKey: null,
          })),
        );
      }
      for (let round = 0; round < 3; round++) {
        for (const message of await store.claim('big', { max: 10, now, leaseExpiresAt: now + 30_000 })) {
          await store.settle('big', message.id, message.receipt!, { status: 'COMPLETE', now });
        }
      }
      const [plans] = (
        await db.query({
          sql: "SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name LIKE 'mailroom_settle_many_%'",
          params: [],
        })
      ).records;
      expect(plans).toEqual({ generic: 25, custom: 5 });
    });
  });

  it('sends every statement unnamed with preparedStatements=false (poolers in transaction mode)', async () => {
    await withStore('preparedStatements=false', async ({ db, store }) => {
      const sent = await sentDuring(() => cycle(store));
      expect(sent).toEqual(['INSERT -', 'WITH -', 'UPDATE -']);
      expect((await db.query({ sql: 'SELECT count(*)::int AS n FROM pg_prepared_statements', params: [] })).records[0].n).toBe(0);
    });
  });
});
