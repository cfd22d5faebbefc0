import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { startTestApp, type TestApp } from '../support/app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';

const REPO_QUEUES = path.resolve(__dirname, '../../config/queues');
const repoQueueFiles = () =>
  Object.fromEntries(fs.readdirSync(REPO_QUEUES).map((file) => [`queues/${file}`, fs.readFileSync(path.join(REPO_QUEUES, file), 'utf8')]));

describe('storage engines without DATABASE_URL', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('defaults to filesystem (the example queue too) and refuses an engine STORAGE_ENGINES leaves out', async () => {
    t = await startTestApp({ env: { STORAGE_ENGINES: 'filesystem' }, files: repoQueueFiles() });
    const admin = await t.token('admin', ['system_admin']);
    expect((await t.http.get('/api/v1/queues/hello').set('Authorization', `Bearer ${admin}`)).body.storageEngine).toBe('filesystem');
    const created = await t.http.post('/api/v1/queues').set('Authorization', `Bearer ${admin}`).send({ name: 'orders' });
    expect([created.status, created.body.storageEngine]).toEqual([201, 'filesystem']);
    const refused = await t.http.post('/api/v1/queues').set('Authorization', `Bearer ${admin}`).send({ name: 'billing', storageEngine: 'sql' });
    expect([refused.status, refused.body.code]).toEqual([400, 'STORAGE_ENGINE_NOT_ALLOWED']);
    expect(refused.body.message).toContain('STORAGE_ENGINES');
    expect((await t.http.get('/api/v1/queues/billing').set('Authorization', `Bearer ${admin}`)).status).toBe(404);
  });
});

describeWithDatabase('postgres', 'storage engines with DATABASE_URL', () => {
  let database: IsolatedDatabase;
  let t: TestApp | undefined;

  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
  });

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('creates queues without storageEngine as sql, files included (the example queue hello)', async () => {
    t = await startTestApp({ env: { DATABASE_URL: database.url }, files: { ...repoQueueFiles(), 'queues/plain.queue.json': { name: 'plain' } } });
    const auth = { Authorization: `Bearer ${await t.token('admin', ['system_admin'])}` };
    const created = await t.http.post('/api/v1/queues').set(auth).send({ name: 'orders' });
    expect([created.status, created.body.storageEngine]).toEqual([201, 'sql']);
    expect((await t.http.get('/api/v1/queues/plain').set(auth)).body.storageEngine).toBe('sql');
    expect((await t.http.get('/api/v1/queues/hello').set(auth)).body.storageEngine).toBe('sql');
    const explicit = await t.http.post('/api/v1/queues').set(auth).send({ name: 'local', storageEngine: 'filesystem' });
    expect([explicit.status, explicit.body.storageEngine]).toEqual([201, 'filesystem']);
    const replaced = await t.http
      .put('/api/v1/queues/local')
      .set(auth)
      .send({ delivery: { maxAttempts: 2 } });
    expect([replaced.status, replaced.body.storageEngine]).toEqual([200, 'filesystem']);
    expect((await t.http.delete('/api/v1/queues/local').set(auth)).status).toBe(204);
    expect((await t.http.delete('/api/v1/queues/orders').set(auth)).status).toBe(204);
  });

  it('STORAGE_ENGINES=sql refuses a filesystem queue through the API with 400, and stores nothing', async () => {
    t = await startTestApp({ env: { DATABASE_URL: database.url, STORAGE_ENGINES: 'sql' }, files: repoQueueFiles() });
    const auth = { Authorization: `Bearer ${await t.token('admin', ['system_admin'])}` };
    const refused = await t.http.post('/api/v1/queues').set(auth).send({ name: 'local', storageEngine: 'filesystem' });
    expect([refused.status, refused.body.code]).toEqual([400, 'STORAGE_ENGINE_NOT_ALLOWED']);
    expect((await t.http.get('/api/v1/queues/local').set(auth)).status).toBe(404);
    const created = await t.http.post('/api/v1/queues').set(auth).send({ name: 'orders2' });
    expect([created.status, created.body.storageEngine]).toEqual([201, 'sql']);
    const moved = await t.http.put('/api/v1/queues/orders2').set(auth).send({ storageEngine: 'filesystem' });
    expect([moved.status, moved.body.code]).toEqual([400, 'STORAGE_ENGINE_NOT_ALLOWED']);
    expect((await t.http.get('/api/v1/queues/orders2').set(auth)).body.storageEngine).toBe('sql');
    expect((await t.http.delete('/api/v1/queues/orders2').set(auth)).status).toBe(204);
  });

  it('keeps serving an API queue stored before STORAGE_ENGINES left out its engine, with a warning at start', async () => {
    t = await startTestApp({ env: { DATABASE_URL: database.url } });
    let auth = { Authorization: `Bearer ${await t.token('admin', ['system_admin'])}` };
    expect((await t.http.post('/api/v1/queues').set(auth).send({ name: 'legacy', storageEngine: 'filesystem' })).status).toBe(201);
    await t.close();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    t = await startTestApp({ env: { DATABASE_URL: database.url, STORAGE_ENGINES: 'sql' } });
    auth = { Authorization: `Bearer ${await t.token('admin', ['system_admin'])}` };
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ queue: 'legacy', storageEngine: 'filesystem' }),
      expect.stringContaining('STORAGE_ENGINES no longer allows'),
    );
    warn.mockRestore();
    expect((await t.http.post('/api/v1/queues/legacy/messages').set(auth).send({ n: 1 })).status).toBe(201);
    expect((await t.http.delete('/api/v1/queues/legacy').set(auth)).status).toBe(204);
  });

  it('STORAGE_ENGINES=sql stops the start on a file-defined filesystem queue, naming the file', async () => {
    const start = startTestApp({
      env: { DATABASE_URL: database.url, STORAGE_ENGINES: 'sql' },
      files: { 'queues/audit.queue.json': { name: 'audit', storageEngine: 'filesystem' } },
    });
    await expect(start).rejects.toThrow(/STORAGE_ENGINES.*audit\.queue\.json.*"filesystem"/);
  });
});
