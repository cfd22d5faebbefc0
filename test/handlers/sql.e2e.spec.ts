import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase, type TestDatabaseKind } from '../support/databases';

/** The same handler model on a sql queue: claim, complete, retry, and the per-queue key-value store. */
for (const kind of ['postgres', 'mariadb'] as TestDatabaseKind[]) {
  describeWithDatabase(kind, `handlers on a sql queue (${kind})`, () => {
    let database: IsolatedDatabase;
    let t: TestApp;
    let admin: string;

    beforeAll(async () => {
      database = await isolatedDatabase(kind);
      t = await startTestApp({
        env: { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: '127.0.0.1' },
        files: {
          'queues/sql-jobs.queue.json': {
            name: 'sql-jobs',
            storageEngine: 'sql',
            roles: { needsRole: false },
            delivery: { maxAttempts: 2, backoffSeconds: 0 },
          },
          'queues/sql-jobs.queue.js': `module.exports = async function (request, context) {
            const seen = ((await this.storageService.get('seen')) || 0) + 1;
            await this.storageService.set('seen', seen);
            if (request.failFirst && context.attempt === 1) throw new Error('first attempt fails');
            return { n: request.n, attempt: context.attempt, keys: await this.storageService.list() };
          }`,
        },
      });
      admin = await t.token('alice', ['system_admin']);
    });

    afterAll(async () => {
      await t?.close();
      await database?.drop();
    });

    const settled = (id: string) =>
      waitFor(async () => {
        const res = await t.http.get(`/api/v1/queues/sql-jobs/messages/${id}`).set('Authorization', `Bearer ${admin}`);
        return res.body.status === 'COMPLETE' || res.body.status === 'ERROR' ? res.body : null;
      }, 10_000);

    it('runs handlers, retries a failed attempt and keeps the key-value store in the database', async () => {
      const res = await t.http
        .post('/api/v1/queues/sql-jobs/messages/batch')
        .set('Authorization', `Bearer ${admin}`)
        .send({ messages: [{ n: 1 }, { n: 2, failFirst: true }, { n: 3 }] });
      expect(res.status).toBe(201);
      const [first, retried, third] = await Promise.all((res.body.items as { id: string }[]).map((m) => settled(m.id)));
      expect(first).toMatchObject({ status: 'COMPLETE', attempts: 1, result: { n: 1, attempt: 1, keys: ['seen'] } });
      expect(third).toMatchObject({ status: 'COMPLETE', attempts: 1, result: { n: 3 } });
      expect(retried).toMatchObject({ status: 'COMPLETE', attempts: 2, result: { n: 2, attempt: 2 }, error: null });
    });
  });
}
