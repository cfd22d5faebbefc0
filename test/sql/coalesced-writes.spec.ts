import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config/app.config';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import type { NewMessage } from '@app/domain/message';
import { ManualClock } from '@test/support/time';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '@test/support/databases';

describeWithDatabase('postgres', 'coalesced writes on postgres', () => {
  Logger.overrideLogger(false);
  let database: IsolatedDatabase;
  let connections: SqlConnections;
  const clock = new ManualClock();

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    connections = new SqlConnections(loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), clock);
  });
  afterAll(async () => {
    await connections.closeAll();
    await database.drop();
  });

  const message = (queue: string, id: string = randomUUID()): NewMessage => ({
    id,
    queue,
    request: { id },
    sentBy: null,
    createdAt: clock.now(),
    availableAt: clock.now(),
    idempotencyKey: null,
  });

  it('stores every concurrent push, each call all or nothing, and a bad call fails alone', async () => {
    const store = connections.messageStore(database.url);
    const good = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? [message('q'), message('q')] : [message('q')]));
    const bad = [message('q'), message('q', 'x'.repeat(80))];
    const results = await Promise.allSettled([...good.slice(0, 30), bad, ...good.slice(30)].map((call) => store.insert(call)));
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(results[30].status).toBe('rejected');
    const stored = good.flat();
    for (const m of stored) expect((await store.get('q', m.id))?.request).toEqual({ id: m.id });
    expect(await store.get('q', bad[0].id)).toBeNull();
    expect((await store.stats('q')).counts.PENDING).toBe(stored.length);
  });

  it('hands concurrent claims disjoint shares in delivery order, each at most its max', async () => {
    const store = connections.messageStore(database.url);
    const pushed: string[] = [];
    for (let i = 0; i < 25; i++) {
      const m = message('c');
      await store.insert([m]);
      pushed.push(m.id);
    }
    const now = clock.now();
    const shares = await Promise.all([3, 5, 10, 10, 4].map((max) => store.claim('c', { max, now, leaseExpiresAt: now + 30_000 })));
    shares.forEach((share, i) => expect(share.length).toBeLessThanOrEqual([3, 5, 10, 10, 4][i]));
    const ids = shares.flat().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([...pushed].sort());
    for (const share of shares) expect(share.map((m) => m.seq)).toEqual([...share.map((m) => m.seq)].sort((a, b) => a - b));
    for (const m of shares.flat()) expect(m).toMatchObject({ status: 'INPROGRESS', attempts: 1 });
    expect(new Set(shares.flat().map((m) => m.receipt)).size).toBe(25);
  });

  it('gives every concurrent claimer its full max when enough messages are pending', async () => {
    const store = connections.messageStore(database.url);
    await store.insert(Array.from({ length: 150 }, () => message('full')));
    const now = clock.now();
    const shares = await Promise.all(Array.from({ length: 12 }, () => store.claim('full', { max: 10, now, leaseExpiresAt: now + 30_000 })));
    expect(shares.map((share) => share.length)).toEqual(Array(12).fill(10));
    expect(new Set(shares.flat().map((m) => m.id)).size).toBe(120);
  });
});
