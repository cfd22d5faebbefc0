import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HandlerDispatcher } from '@app/messages/handlers/dispatcher.service';
import { startTestApp, writeConfigFiles } from '../support/app';
import { waitFor } from '../support/time';

/**
 * app.close() (what SIGTERM does after the drain starts): running handlers may finish within
 * SHUTDOWN_GRACE_SECONDS, the others go back to PENDING without counting an attempt.
 * DISPATCHER_ENABLED=false leaves handler queues alone.
 */
describe('handlers: shutdown and DISPATCHER_ENABLED', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-handler-shutdown-'));
  const env = { DATA_DIR: path.join(root, 'data'), CONFIG_DIR: path.join(root, 'config') };

  beforeAll(() => {
    writeConfigFiles(env.CONFIG_DIR, {
      'queues/slow.queue.json': { name: 'slow', roles: { needsRole: false }, delivery: { handlerTimeoutSeconds: 120 } },
      'queues/slow.queue.js': 'module.exports = (request) => new Promise((resolve) => setTimeout(() => resolve({ waited: request.ms }), request.ms))',
    });
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lets short handlers finish and returns long ones to PENDING; a replica with the dispatcher off does not run them', async () => {
    const first = await startTestApp({ env: { ...env, SHUTDOWN_GRACE_SECONDS: '1' } });
    const admin = await first.token('alice', ['system_admin']);
    const push = async (ms: number) =>
      (await first.http.post('/api/v1/queues/slow/messages').set('Authorization', `Bearer ${admin}`).send({ ms })).body.id as string;
    const quick = await push(300);
    const long = await push(600_000);
    await waitFor(async () => {
      const statuses = await Promise.all(
        [quick, long].map(async (id) => (await first.http.get(`/api/v1/queues/slow/messages/${id}`).set('Authorization', `Bearer ${admin}`)).body.status),
      );
      return statuses.every((s) => s === 'INPROGRESS');
    });
    const closing = Date.now();
    await first.close();
    expect(Date.now() - closing).toBeLessThan(10_000);

    const second = await startTestApp({ env: { ...env, DISPATCHER_ENABLED: 'false' } });
    try {
      const get = async (id: string) => (await second.http.get(`/api/v1/queues/slow/messages/${id}`).set('Authorization', `Bearer ${admin}`)).body;
      expect(await get(quick)).toMatchObject({ status: 'COMPLETE', result: { waited: 300 }, attempts: 1 });
      expect(await get(long)).toMatchObject({ status: 'PENDING', attempts: 0 });
      expect(second.app.get(HandlerDispatcher).snapshot()).toEqual([]);
      const stats = await second.http.get('/api/v1/queues/slow/stats').set('Authorization', `Bearer ${admin}`);
      expect(stats.body.counts).toMatchObject({ PENDING: 1, INPROGRESS: 0, COMPLETE: 1 });
    } finally {
      await second.close();
    }
  });
});
