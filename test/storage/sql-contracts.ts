import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { MessageStore } from '@app/storage/ports/message.store';
import { loadConfig } from '@app/config/app.config';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import { SqlDatabase } from '@app/storage/sql/sql-database';
import { ManualClock } from '../support/time';
import { describeWithDatabase, isolatedDatabase, type TestDatabaseKind } from '../support/databases';
import { catalogStoreContract, grantStoreContract, messageStoreContract } from './message-store.contract';

/** The storage contracts on one SQL engine, each in a schema/database of its own, through SqlConnections as the app uses it. */
export function sqlStorageContracts(engine: TestDatabaseKind): void {
  // the SQL classes log through Nest's static logger; the suites stay quiet
  Logger.overrideLogger(false);

  async function open(clock = new ManualClock()) {
    const database = await isolatedDatabase(engine);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
    const connections = new SqlConnections(config, clock);
    const cleanup = async () => {
      await connections.closeAll();
      await database.drop();
    };
    return { url: database.url, connections, clock, cleanup };
  }

  describeWithDatabase(engine, `SQL storage on ${engine}`, () => {
    messageStoreContract(`sql (${engine})`, async () => {
      const { url, connections, clock, cleanup } = await open();
      return { store: connections.messageStore(url), clock, cleanup };
    });

    if (engine === 'postgres') {
      it('combines concurrent settlements into one statement (each still its own compare-and-set)', async () => {
        const { url, connections, clock, cleanup } = await open();
        const query = jest.spyOn(SqlDatabase.prototype, 'query');
        try {
          const store = connections.messageStore(url);
          const queue = `batch-${Date.now()}`;
          const now = clock.now();
          await store.insert(
            Array.from({ length: 30 }, (_, i) => ({
              id: `m${i}`,
              queue,
              request: { i },
              sentBy: null,
              createdAt: now,
              availableAt: now,
              idempotencyKey: null,
            })),
          );
          const leased = await store.claim(queue, { max: 30, now, leaseExpiresAt: now + 30_000 });
          query.mockClear();
          const outcomes = await Promise.allSettled(
            leased.map((m, i) => store.settle(queue, m.id, i === 7 ? 'stale' : m.receipt!, { status: 'COMPLETE', now, result: { i } })),
          );
          const settles = query.mock.calls.filter(([statement]) => statement.sql.startsWith('UPDATE mailroom_messages AS m'));
          expect(settles).toHaveLength(1);
          expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(29);
          expect(((outcomes[7] as PromiseRejectedResult).reason as { code: string }).code).toBe('RECEIPT_STALE');
          expect((await store.stats(queue)).counts).toEqual({ PENDING: 0, INPROGRESS: 1, COMPLETE: 29, ERROR: 0 });
        } finally {
          query.mockRestore();
          await cleanup();
        }
      });
    }

    describe('FIFO across replicas', () => {
      it('FIFO: two replicas (two DataSources) claiming one queue at once never have two messages of a group in flight, and complete each group in order', async () => {
        const first = await open();
        const second = new SqlConnections(loadConfig({ NODE_ENV: 'test', DATABASE_URL: first.url, LOG_LEVEL: 'silent' }), first.clock);
        try {
          const replicas = [first.connections.messageStore(first.url), second.messageStore(first.url)];
          const queue = `fifo-${Date.now()}`;
          const groups = ['g0', 'g1', 'g2'];
          const perGroup = 30;
          const now = first.clock.now();
          for (let i = 0; i < perGroup; i++) {
            await replicas[i % 2].insert(
              groups.map((g) => ({
                id: randomUUID(),
                queue,
                request: { g, i },
                sentBy: null,
                createdAt: now,
                availableAt: now,
                idempotencyKey: null,
                groupId: g,
              })),
            );
          }
          const inFlight = new Map<string, number>();
          const completed = new Map<string, number[]>(groups.map((g) => [g, []]));
          const violations: string[] = [];
          let done = 0;
          const total = groups.length * perGroup;
          const worker = async (store: MessageStore, batch: number) => {
            for (let idle = 0; done < total && idle < 2000;) {
              const t = first.clock.now();
              const claimed = await store.claim(queue, { max: batch, now: t, leaseExpiresAt: t + 60_000, groups: { perGroup: batch } });
              if (!claimed.length) {
                idle++;
                await new Promise((resolve) => setImmediate(resolve));
                continue;
              }
              const mine = new Set<string>();
              for (const m of claimed) {
                if (!mine.has(m.groupId!) && (inFlight.get(m.groupId!) ?? 0) > 0) violations.push(`${m.groupId} claimed while in flight`);
                mine.add(m.groupId!);
                inFlight.set(m.groupId!, (inFlight.get(m.groupId!) ?? 0) + 1);
              }
              for (const m of claimed) {
                const { g, i } = m.request as { g: string; i: number };
                completed.get(g)!.push(i);
                inFlight.set(g, inFlight.get(g)! - 1);
                await store.settle(queue, m.id, m.receipt!, { status: 'COMPLETE', now: t });
                done++;
              }
            }
          };
          await Promise.all(Array.from({ length: 10 }, (_, n) => worker(replicas[n % 2], n % 3 === 0 ? 1 : 4)));
          expect(violations).toEqual([]);
          expect(done).toBe(total);
          for (const g of groups) expect(completed.get(g)).toEqual(Array.from({ length: perGroup }, (_, i) => i));
        } finally {
          await second.closeAll();
          await first.cleanup();
        }
      });
    });

    catalogStoreContract(`sql (${engine})`, async () => {
      const { url, connections, cleanup } = await open();
      return { store: await connections.catalogStore(url), cleanup };
    });

    grantStoreContract(`sql (${engine})`, async () => {
      const { url, connections, cleanup } = await open();
      return { store: await connections.grantStore(url), cleanup };
    });
  });
}
