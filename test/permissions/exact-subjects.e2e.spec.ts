import { startTestApp, type TestApp } from '../support/app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase, type TestDatabaseKind } from '../support/databases';

/** Issue 14 item 7: a grant serves exactly its subject, on every catalog engine (MariaDB's PAD SPACE collation matched `alice `). */
function exactSubjects(engine: 'filesystem' | TestDatabaseKind): void {
  let t: TestApp;
  let database: IsolatedDatabase | undefined;

  beforeAll(async () => {
    const env: Record<string, string> = { DISPATCHER_ENABLED: 'false' };
    if (engine !== 'filesystem') {
      database = await isolatedDatabase(engine);
      env.DATABASE_URL = database.url;
    }
    t = await startTestApp({ env });
    const admin = { Authorization: `Bearer ${await t.token('admin', ['system_admin'])}` };
    expect((await t.http.post('/api/v1/queues').set(admin).send({ name: 'granted' })).status).toBe(201);
    expect((await t.http.put('/api/v1/queues/granted/permissions/alice/send_to_queue').set(admin)).status).toBe(204);
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it(`serves "alice" and neither "alice " nor "ALICE" (${engine})`, async () => {
    const push = async (sub: string) =>
      (
        await t.http
          .post('/api/v1/queues/granted/messages')
          .set({ Authorization: `Bearer ${await t.token(sub)}` })
          .send({ n: 1 })
      ).status;
    expect(await push('alice')).toBe(201);
    expect(await push('alice ')).toBe(403);
    expect(await push('ALICE')).toBe(403);
    expect(await push(' alice')).toBe(403);
  });
}

describe('grants serve exactly their subject (e2e): filesystem', () => exactSubjects('filesystem'));
describeWithDatabase('postgres', 'grants serve exactly their subject (e2e): postgres', () => exactSubjects('postgres'));
describeWithDatabase('mariadb', 'grants serve exactly their subject (e2e): mariadb', () => exactSubjects('mariadb'));
