import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SqlConnections } from '@app/storage/sql/sql-connections';
import { startTestApp, type TestApp } from '../support/app';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';

/**
 * Issue 14.1: a queue_admin must not read any environment variable through a connection string.
 * The canaries are in process.env too, where placeholders used to be filled from.
 */
describeWithDatabase('postgres', 'connection string placeholders never reveal a value (postgres)', () => {
  const canary = `canary-${randomBytes(6).toString('hex')}`;
  const sqlCanary = `sqlcanary-${randomBytes(6).toString('hex')}`;
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const variables = {
    CANARY_SECRET: canary,
    MAILROOM_SQL__CANARY: sqlCanary,
    MAILROOM_SQL__REFUSED_HOST: '127.0.0.2',
    MAILROOM_SQL__PG_PASSWORD: password,
    MAILROOM_SQL__PG_DATABASE: 'test',
  };
  const values = [canary, sqlCanary, password, '127.0.0.2'];
  const logs: string[] = [];
  let database: IsolatedDatabase;
  let schema: string;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    Object.assign(process.env, variables);
    database = await isolatedDatabase('postgres');
    schema = new URL(database.url).searchParams.get('schema')!;
    t = await startTestApp({
      env: { ...variables, SQL_ALLOWED_HOSTS: '127.0.0.1', LOG_LEVEL: 'debug' },
      logDestination: { write: (line) => void logs.push(line) },
    });
    admin = await t.token('qadmin', ['queue_admin']);
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
    for (const name of Object.keys(variables)) delete process.env[name];
  });

  const expectNoValue = (text: string) => {
    for (const value of values) expect(text.toLowerCase()).not.toContain(value.toLowerCase());
  };

  /** every position a placeholder can take: user, password, host, port, database, option values */
  const positions = (p: string) => [
    `postgres://${p}@127.0.0.1:5432/test`,
    `postgres://postgres:${p}@127.0.0.1:5432/nodb_${randomBytes(3).toString('hex')}`,
    `postgres://postgres@${p}:5432/test`,
    `postgres://postgres@${p}/test`,
    `postgres://postgres@127.0.0.1:${p}/test`,
    `postgres://postgres@127.0.0.1:5432/${p}`,
    `postgres://postgres@127.0.0.1:5432/test?sslmode=${p}`,
    `postgres://postgres@127.0.0.1:5432/test?schema=${p}`,
    `postgres://postgres@127.0.0.1:5432/test?application_name=x&${p}=1`,
  ];

  it('refuses a placeholder outside MAILROOM_SQL__ in every position, naming it and reading nothing', async () => {
    for (const name of ['CANARY_SECRET', 'AUTH_JWT_SECRET', 'MAILROOM_SECRET__X']) {
      for (const connectionString of positions(`\${${name}}`)) {
        const res = await t.http.post('/api/v1/queues').set('Authorization', `Bearer ${admin}`).send({ name: 'leak', storageEngine: 'sql', connectionString });
        expect({ connectionString, status: res.status, code: res.body.code }).toEqual({ connectionString, status: 400, code: 'PLACEHOLDER_NOT_ALLOWED' });
        expect(res.body.message).toContain(`\${${name}}`);
        expectNoValue(JSON.stringify(res.body));
      }
    }
  });

  it('fills MAILROOM_SQL__ placeholders but answers every failure with the template, never the value', async () => {
    const seen = new Set<string>();
    for (const connectionString of [...positions('${MAILROOM_SQL__CANARY}'), 'postgres://postgres@${MAILROOM_SQL__REFUSED_HOST}:5432/test']) {
      const res = await t.http.post('/api/v1/queues').set('Authorization', `Bearer ${admin}`).send({ name: 'leak', storageEngine: 'sql', connectionString });
      expect({ connectionString, status: res.status }).toEqual({ connectionString, status: 400 });
      seen.add(res.body.code);
      expectNoValue(JSON.stringify(res.body));
    }
    // the driver answered too (unknown role, unknown database), not only the parser and the allowlist
    expect([...seen].sort()).toEqual(['CONNECTION_FAILED', 'INVALID_CONNECTION_STRING', 'SQL_HOST_NOT_ALLOWED']);
    const refused = await t.http
      .post('/api/v1/queues')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'leak', storageEngine: 'sql', connectionString: 'postgres://postgres@${MAILROOM_SQL__REFUSED_HOST}:5432/test' });
    expect(refused.body).toMatchObject({
      code: 'SQL_HOST_NOT_ALLOWED',
      message: expect.stringContaining('postgres://postgres@${MAILROOM_SQL__REFUSED_HOST}:5432/test'),
    });
    const role = await t.http
      .post('/api/v1/queues')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'leak', storageEngine: 'sql', connectionString: 'postgres://${MAILROOM_SQL__CANARY}@127.0.0.1:5432/test' });
    expect(role.body).toMatchObject({ code: 'CONNECTION_FAILED', message: expect.stringContaining('${MAILROOM_SQL__CANARY}') });
    expect((await t.http.get('/api/v1/queues/leak').set('Authorization', `Bearer ${admin}`)).status).toBe(404);
  });

  it('serves a queue whose password and database come from MAILROOM_SQL__ variables, storing and showing only the template', async () => {
    const connectionString = `postgres://postgres:\${MAILROOM_SQL__PG_PASSWORD}@127.0.0.1:5432/\${MAILROOM_SQL__PG_DATABASE}?schema=${schema}&application_name=\${MAILROOM_SQL__CANARY}`;
    const auth = { Authorization: `Bearer ${admin}` };
    const created = await t.http.post('/api/v1/queues').set(auth).send({ name: 'templated', storageEngine: 'sql', connectionString });
    expect(created.status).toBe(201);
    expect(created.body.connectionString).toBe(
      `postgres://postgres:***@127.0.0.1:5432/\${MAILROOM_SQL__PG_DATABASE}?schema=${schema}&application_name=\${MAILROOM_SQL__CANARY}`,
    );
    const writer = await t.token('writer', ['system_admin']);
    const pushed = await t.http.post('/api/v1/queues/templated/messages').set('Authorization', `Bearer ${writer}`).send({ n: 1 });
    expect(pushed.status).toBe(201);
    const received = await t.http.post('/api/v1/queues/templated/messages/receive').set('Authorization', `Bearer ${writer}`).send({ maxMessages: 1 });
    expect(received.body.messages.map((m: { id: string }) => m.id)).toEqual([pushed.body.id]);

    const { Client } = await import('pg');
    const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${schema}.mailroom_messages WHERE queue = 'templated'`);
      expect(rows[0].n).toBe(1);
    } finally {
      await client.end();
    }

    const stored = fs.readFileSync(path.join(t.dataDir, 'catalog.json'), 'utf8');
    expect(stored).toContain('${MAILROOM_SQL__PG_PASSWORD}');
    expectNoValue(stored);
    for (const url of ['/api/v1/queues', '/api/v1/queues/templated']) expectNoValue(JSON.stringify((await t.http.get(url).set(auth)).body));
    expectNoValue(JSON.stringify((await t.http.get('/readyz')).body));
  });

  it('wrote no value to any log line', () => {
    expect(logs.length).toBeGreaterThan(10);
    expect(logs.some((line) => line.includes('connected to'))).toBe(true);
    expectNoValue(logs.join('\n'));
  });

  it('closes the pool of a deleted queue', async () => {
    const auth = { Authorization: `Bearer ${admin}` };
    const pools = () => t.app.get(SqlConnections).poolCount;
    const before = pools();
    const created = await t.http
      .post('/api/v1/queues')
      .set(auth)
      .send({ name: 'short-lived', storageEngine: 'sql', connectionString: `postgres://postgres@127.0.0.1:5432/test?schema=${schema}&application_name=short` });
    expect(created.status).toBe(201);
    const writer = await t.token('writer', ['system_admin']);
    expect((await t.http.post('/api/v1/queues/short-lived/messages').set('Authorization', `Bearer ${writer}`).send({ n: 1 })).status).toBe(201);
    expect(pools()).toBe(before + 1);
    expect((await t.http.delete('/api/v1/queues/short-lived').set(auth)).status).toBe(204);
    expect(pools()).toBe(before);
  });
});
