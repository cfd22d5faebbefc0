import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestApp, type TestApp } from '../support/app';

function walk(dir: string): Array<{ file: string; dir: boolean }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? [{ file: full, dir: true }, ...walk(full)] : [{ file: full, dir: false }];
  });
}

/** Issue 14.6 and 14.7 (file modes): deleting a filesystem queue releases what it held; data files are private. */
describe('deleting a filesystem queue releases its files (e2e)', () => {
  let t: TestApp;
  let auth: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp({ env: { DISPATCHER_ENABLED: 'false' } });
    auth = { Authorization: `Bearer ${await t.token('admin', ['system_admin'])}` };
  });

  afterAll(async () => {
    await t?.close();
  });

  async function createPushDelete(name: string): Promise<void> {
    expect((await t.http.post('/api/v1/queues').set(auth).send({ name, storageEngine: 'filesystem' })).status).toBe(201);
    expect(
      (
        await t.http
          .post(`/api/v1/queues/${name}/messages`)
          .set(auth)
          .send({ n: 1, pad: 'x'.repeat(2000) })
      ).status,
    ).toBe(201);
    expect(
      (
        await t.http
          .post(`/api/v1/queues/${name}/messages/batch`)
          .set(auth)
          .send({ messages: [{ n: 2 }, { n: 3 }] })
      ).status,
    ).toBe(201);
    expect((await t.http.delete(`/api/v1/queues/${name}`).set(auth)).status).toBe(204);
  }

  it('creates every data file 0600 and every directory 0700', async () => {
    expect((await t.http.post('/api/v1/queues').set(auth).send({ name: 'modes', storageEngine: 'filesystem' })).status).toBe(201);
    expect((await t.http.post('/api/v1/queues/modes/messages').set(auth).send({ n: 1 })).status).toBe(201);
    expect((await t.http.put('/api/v1/queues/modes/permissions/bob/send_to_queue').set(auth)).status).toBe(204);
    const entries = [{ file: t.dataDir, dir: true }, ...walk(t.dataDir)];
    expect(entries.map((e) => path.relative(t.dataDir, e.file))).toEqual(
      expect.arrayContaining(['queues', path.join('queues', 'modes.journal'), 'catalog.json']),
    );
    for (const { file, dir } of entries) {
      expect({ file, mode: (fs.statSync(file).mode & 0o777).toString(8) }).toEqual({ file, mode: dir ? '700' : '600' });
    }
    expect((await t.http.delete('/api/v1/queues/modes').set(auth)).status).toBe(204);
  });

  it('create → push → delete 50 times leaves no file descriptor and no file behind', async () => {
    const openFds = () => fs.readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 3; i++) await createPushDelete(`warm-${i}`);
    const fdsBefore = openFds();
    const filesBefore = walk(t.dataDir)
      .map((e) => e.file)
      .sort();
    for (let i = 0; i < 50; i++) await createPushDelete(`loop-${i}`);
    expect(openFds()).toBeLessThanOrEqual(fdsBefore + 3);
    expect(
      walk(t.dataDir)
        .map((e) => e.file)
        .sort(),
    ).toEqual(filesBefore);
    expect(fs.readdirSync(path.join(t.dataDir, 'queues'))).toEqual([]);
  }, 120_000);

  it('a queue created again under a deleted name starts empty', async () => {
    await createPushDelete('again');
    expect((await t.http.post('/api/v1/queues').set(auth).send({ name: 'again', storageEngine: 'filesystem' })).status).toBe(201);
    const listed = await t.http.get('/api/v1/queues/again/messages').set(auth);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([]);
  });
});
