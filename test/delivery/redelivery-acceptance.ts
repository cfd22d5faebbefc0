import { MaintenanceService } from '@app/messages/maintenance.service';
import type { TestApp } from '../support/app';
import { waitFor, type ManualClock } from '../support/time';

export interface AcceptanceHarness {
  t: TestApp;
  clock: ManualClock;
  storageEngine: 'filesystem' | 'sql';
}

interface Leased {
  id: string;
  attempts: number;
  receipt: string;
}

/**
 * Issue 15, acceptance (3), on any engine: a pulled message is redelivered after each lease
 * expiry until its receive limit, then dead-lettered; a redrive returns every dead letter exactly
 * once; a purge empties the queue. Time moves by the test's ManualClock, never by sleeping.
 */
export function redeliveryAcceptance(harness: () => AcceptanceHarness): void {
  it('redelivers until maxReceives, dead-letters, redrives each dead letter exactly once, purges', async () => {
    const { t, clock, storageEngine } = harness();
    const auth = { Authorization: `Bearer ${await t.token('ops', ['queue_admin', 'queue_reader', 'queue_writer'])}` };
    const created = [
      await t.http.post('/api/v1/queues').set(auth).send({ name: 'acc-dead', storageEngine }),
      await t.http
        .post('/api/v1/queues')
        .set(auth)
        .send({ name: 'acc', storageEngine, delivery: { maxReceives: 3, deadLetterQueue: 'acc-dead' } }),
    ];
    expect(created.map((r) => r.status)).toEqual([201, 201]);
    expect(created[1].body.delivery).toMatchObject({ maxReceives: 3, maxAttempts: 1 });

    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await t.http.post('/api/v1/queues/acc/messages').set(auth).send({ n })).body.id);
    const receive = async (queue: string): Promise<Leased[]> => {
      const res = await t.http.post(`/api/v1/queues/${queue}/messages/receive`).set(auth).send({ maxMessages: 10, visibilityTimeoutSeconds: 5 });
      expect(res.status).toBe(200);
      return res.body.messages;
    };

    for (let receiveNo = 1; receiveNo <= 3; receiveNo++) {
      const leased = await receive('acc');
      expect(leased.map((m) => m.id)).toEqual(ids);
      expect(leased.every((m) => m.attempts === receiveNo)).toBe(true);
      expect(await receive('acc')).toEqual([]);
      clock.advance(5_001);
    }
    await t.app.get(MaintenanceService).expireLeases();
    const stats = async (queue: string) => (await t.http.get(`/api/v1/queues/${queue}/stats`).set(auth)).body.counts;
    await waitFor(async () => (await stats('acc')).ERROR === 5);
    for (const id of ids) {
      expect((await t.http.get(`/api/v1/queues/acc/messages/${id}`).set(auth)).body).toMatchObject({
        status: 'ERROR',
        attempts: 3,
        error: { name: 'MaxReceivesExceeded' },
      });
    }
    expect(await receive('acc')).toEqual([]);
    const dead = (await t.http.get('/api/v1/queues/acc-dead/messages').set(auth)).body.items as Array<{
      id: string;
      deadLetter: { queue: string; id: string };
    }>;
    expect(dead.map((m) => m.deadLetter.id).sort()).toEqual([...ids].sort());

    const redriven: Array<{ id: string; source: { queue: string; id: string }; outcome: string }> = [];
    let cursor: string | undefined;
    for (let round = 0; round < 10; round++) {
      const res = await t.http
        .post('/api/v1/queues/acc-dead/messages/redrive')
        .set(auth)
        .send({ maxMessages: 2, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.skipped).toEqual([]);
      redriven.push(...res.body.items);
      if (res.body.done) break;
      cursor = res.body.nextCursor;
    }
    expect(redriven.map((r) => r.id).sort()).toEqual(dead.map((m) => m.id).sort());
    expect(new Set(redriven.map((r) => r.source.id)).size).toBe(5);
    expect(redriven.every((r) => r.outcome === 'requeued' && r.source.queue === 'acc')).toBe(true);
    expect(await stats('acc-dead')).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 });
    const again = await t.http.post('/api/v1/queues/acc-dead/messages/redrive').set(auth).send({});
    expect(again.body).toMatchObject({ redriven: 0, items: [], done: true });
    expect(await stats('acc')).toMatchObject({ PENDING: 5, ERROR: 0 });
    const back = await receive('acc');
    expect(back.map((m) => m.id)).toEqual(ids);
    expect(back.every((m) => m.attempts === 1)).toBe(true);

    const purged = await t.http.post('/api/v1/queues/acc/messages/purge').set(auth).send({});
    expect(purged.status).toBe(200);
    expect(purged.body).toEqual({ queue: 'acc', status: null, deleted: 5, done: true });
    expect(await stats('acc')).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 });
    expect(await receive('acc')).toEqual([]);
  });
}
