import { startTestApp, type TestApp } from '../support/app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';
import { ManualClock } from '../support/time';
import { redeliveryAcceptance } from '../delivery/redelivery-acceptance';

for (const kind of ['postgres', 'mariadb'] as const) {
  describeWithDatabase(kind, `redelivery, redrive and purge of sql queues (DATABASE_URL on ${kind})`, () => {
    const clock = new ManualClock(Date.now());
    let database: IsolatedDatabase;
    let t: TestApp;

    beforeAll(async () => {
      database = await isolatedDatabase(kind);
      t = await startTestApp({ clock, env: { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: '127.0.0.1', DISPATCHER_ENABLED: 'false' } });
    });
    afterAll(async () => {
      await t?.close();
      await database?.drop();
    });

    redeliveryAcceptance(() => ({ t, clock, storageEngine: 'sql' }));
  });
}
