import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@app/config/app.config';
import type { MessageStore } from '@app/storage/ports/message.store';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import { waitFor } from '../support/time';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';

// the SQL classes log through Nest's static logger; the suites stay quiet
Logger.overrideLogger(false);

/** Postgres LISTEN/NOTIFY: a write through one replica's pool wakes the listeners of another. */
describeWithDatabase('postgres', 'sql engine: NOTIFY wakes other replicas', () => {
  let database: IsolatedDatabase;
  let writer: SqlConnections;
  let reader: SqlConnections;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
    writer = new SqlConnections(config);
    reader = new SqlConnections(config);
    await writer.catalogStore(database.url);
  });

  afterAll(async () => {
    await writer?.closeAll();
    await reader?.closeAll();
    await database?.drop();
  });

  it('tells the other process about inserts and returns to PENDING, per queue', async () => {
    const store: MessageStore = writer.messageStore(database.url);
    const seen: string[] = [];
    reader.messageStore(database.url).onAvailable((queue) => seen.push(queue));
    const queue = `notify-${randomUUID().slice(0, 8)}`;
    const now = Date.now();
    const push = () => store.insert([{ id: randomUUID(), queue, request: {}, sentBy: null, createdAt: now, availableAt: now, idempotencyKey: null }]);

    // the listener connects asynchronously: push until the first notification arrives
    await waitFor(
      async () => {
        await push();
        return seen.includes(queue);
      },
      10_000,
      100,
    );
    const before = seen.filter((q) => q === queue).length;
    const [leased] = await store.claim(queue, { max: 1, now, leaseExpiresAt: now + 60_000 });
    await store.settle(queue, leased.id, leased.receipt!, { status: 'PENDING', now, availableAt: now });
    await waitFor(() => seen.filter((q) => q === queue).length > before);
    expect(seen.every((q) => q === queue)).toBe(true);
  });
});
