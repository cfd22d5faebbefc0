import { startTestApp, type TestApp } from '../support/app';
import { ManualClock } from '../support/time';
import { MaintenanceService } from '@app/messages/maintenance.service';

describe('retention (e2e, ManualClock)', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let admin: string;
  const auth = () => ({ Authorization: `Bearer ${admin}` });

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { DISPATCHER_ENABLED: 'false' } });
    admin = await t.token('admin', ['system_admin']);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function push(queue: string, body: object): Promise<string> {
    const res = await t.http.post(`/api/v1/queues/${queue}/messages`).set(auth()).send(body);
    expect(res.status).toBe(201);
    return res.body.id;
  }
  const status = async (queue: string, id: string) => (await t.http.get(`/api/v1/queues/${queue}/messages/${id}`).set(auth())).status;

  it('deletes COMPLETE messages after processedMinutes and every message after allHours', async () => {
    await t.http
      .post('/api/v1/queues')
      .set(auth())
      .send({ name: 'kept', retention: { processedMinutes: 10, allHours: 2 } });
    await t.http
      .post('/api/v1/queues')
      .set(auth())
      .send({ name: 'longer', retention: { processedMinutes: 600, allHours: 48 } });
    const done = await push('kept', { n: 'done' });
    const failed = await push('kept', { n: 'failed' });
    const waiting = await push('kept', { n: 'waiting' });
    const elsewhere = await push('longer', { n: 'done elsewhere' });
    const settle = async (queue: string, id: string, outcome: string) => {
      const [m, ...rest] = (await t.http.post(`/api/v1/queues/${queue}/messages/receive`).set(auth()).send({ maxMessages: 1 })).body.messages;
      expect(rest).toEqual([]);
      expect(m.id).toBe(id);
      expect((await t.http.post(`/api/v1/queues/${queue}/messages/${id}/ack`).set(auth()).send({ receipt: m.receipt, outcome })).status).toBe(200);
    };
    await settle('kept', done, 'complete');
    await settle('kept', failed, 'error');
    await settle('longer', elsewhere, 'complete');
    const maintenance = t.app.get(MaintenanceService);

    clock.advance(9 * 60_000);
    expect(await maintenance.applyRetention()).toBe(0);
    clock.advance(2 * 60_000);
    expect(await maintenance.applyRetention()).toBe(1);
    expect(await status('kept', done)).toBe(404);
    expect(await status('kept', waiting)).toBe(200);
    expect(await status('kept', failed)).toBe(200);
    expect(await status('longer', elsewhere)).toBe(200);

    clock.advance(2 * 3_600_000);
    const report = await maintenance.runOnce();
    expect(report.deleted).toBe(2);
    expect(await status('kept', waiting)).toBe(404);
    expect(await status('kept', failed)).toBe(404);
    expect(await status('longer', elsewhere)).toBe(200);
    clock.advance(8 * 3_600_000);
    expect(await maintenance.applyRetention()).toBe(1);
    expect(await status('longer', elsewhere)).toBe(404);
    const stats = await t.http.get('/api/v1/queues/kept/stats').set(auth());
    expect(stats.body.counts).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 });
  });

  it('deletes a large backlog in bounded batches', async () => {
    await t.http
      .post('/api/v1/queues')
      .set(auth())
      .send({ name: 'backlog', retention: { processedMinutes: 1, allHours: 1 } });
    for (let batch = 0; batch < 6; batch++) {
      const messages = Array.from({ length: 100 }, (_, i) => ({ i: batch * 100 + i }));
      expect((await t.http.post('/api/v1/queues/backlog/messages/batch').set(auth()).send({ messages })).status).toBe(201);
    }
    clock.advance(3_600_001);
    expect(await t.app.get(MaintenanceService).applyRetention()).toBe(600);
    const stats = await t.http.get('/api/v1/queues/backlog/stats').set(auth());
    expect(stats.body.counts.PENDING).toBe(0);
  });
});
