import { startTestApp, type TestApp } from '../support/app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';
import { ManualClock } from '../support/time';
import { fifoCases, fifoHandlerFiles, tempOrderFile } from './fifo-cases';

describe('FIFO queues, deduplication and batch ack on the filesystem engine (e2e)', () => {
  const clock = new ManualClock(Date.now());
  const orderFile = tempOrderFile();
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ clock, files: fifoHandlerFiles(orderFile) });
  });
  afterAll(async () => {
    await t?.close();
  });

  fifoCases(() => ({ t, clock }), () => orderFile);
});

describeWithDatabase('postgres', 'FIFO queues, deduplication and batch ack on Postgres (DATABASE_URL, e2e)', () => {
  const clock = new ManualClock(Date.now());
  const orderFile = tempOrderFile();
  let database: IsolatedDatabase;
  let t: TestApp;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
    t = await startTestApp({ clock, env: { DATABASE_URL: database.url, SQL_ALLOWED_HOSTS: '127.0.0.1' }, files: fifoHandlerFiles(orderFile) });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  fifoCases(() => ({ t, clock }), () => orderFile);
});
