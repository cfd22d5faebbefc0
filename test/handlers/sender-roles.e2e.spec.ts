import { CreateQueueCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { MessagesService } from '@app/messages/messages.service';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';
import { ADMIN, WRITER, startSqsApp, type SqsTestApp } from '../sqs/sqs-app';

const WHOAMI = `module.exports = async function () { return this.idmService.getSender(); }`;

describe("handlers: idmService.getSender() returns the pusher's subject and the roles recorded at push time", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      files: {
        'queues/whoami.queue.json': { name: 'whoami', roles: { needsRole: false } },
        'queues/whoami.queue.js': WHOAMI,
        'queues/shop.queue.json': { name: 'shop', client_id: 'shop', roles: { needsRole: false } },
        'queues/shop.queue.js': WHOAMI,
        'queues/relay.queue.json': { name: 'relay', roles: { needsRole: false } },
        'queues/relay.queue.js': `module.exports = async function (request) {
          const queued = await this.messagingService.queueMessage('whoami', { via: 'queueMessage' });
          const published = await this.messagingService.publish('news', { via: 'publish' });
          return { queued: queued.id, published: published.messages[0].id, sender: await this.idmService.getSender() };
        }`,
        'topics/news.topic.json': { name: 'news', queues: ['whoami'] },
      },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function completed(queue: string, id: string, token: string) {
    return waitFor(async () => {
      const res = await t.http.get(`/api/v1/queues/${queue}/messages/${id}`).set(auth(token));
      if (res.body.status === 'ERROR') throw new Error(`handler failed: ${JSON.stringify(res.body.error)}`);
      return res.body.status === 'COMPLETE' ? res.body : null;
    }, 10_000);
  }

  it('a single push: the token subject and its realm and global roles, sorted', async () => {
    const alice = await t.token('alice', ['system_writer', 'auditor'], { realm_access: { roles: ['employee', 'auditor'] } });
    const pushed = await t.http.post('/api/v1/queues/whoami/messages').set(auth(alice)).send({ n: 1 });
    expect(pushed.status).toBe(201);
    const message = await completed('whoami', pushed.body.id, alice);
    expect(message.result).toEqual({ subject: 'alice', roles: ['auditor', 'employee', 'system_writer'] });
  });

  it('a batch push: every message carries the roles', async () => {
    const bob = await t.token('bob', ['queue_writer']);
    const pushed = await t.http
      .post('/api/v1/queues/whoami/messages/batch')
      .set(auth(bob))
      .send({ messages: [{ a: 1 }, { b: 2 }] });
    expect(pushed.status).toBe(201);
    for (const item of pushed.body.items) {
      expect((await completed('whoami', item.id, bob)).result).toEqual({ subject: 'bob', roles: ['queue_writer'] });
    }
  });

  it("a queue with client_id: the global roles plus that client's roles only", async () => {
    const clerk = await t.token('clerk', ['employee'], { resource_access: { shop: { roles: ['order_clerk'] }, crm: { roles: ['crm_admin'] } } });
    const pushed = await t.http.post('/api/v1/queues/shop/messages').set(auth(clerk)).send({});
    expect(pushed.status).toBe(201);
    expect((await completed('shop', pushed.body.id, clerk)).result).toEqual({ subject: 'clerk', roles: ['employee', 'order_clerk'] });
  });

  it('a topic publish: each copy carries the publisher roles', async () => {
    const carol = await t.token('carol', ['system_admin', 'publisher']);
    const published = await t.http.post('/api/v1/topics/news/messages').set(auth(carol)).send({ hello: 'world' });
    expect(published.status).toBe(201);
    const copy = published.body.messages.find((m: { queue: string }) => m.queue === 'whoami');
    expect((await completed('whoami', copy.id, carol)).result).toEqual({ subject: 'carol', roles: ['publisher', 'system_admin'] });
  });

  it("a handler's queueMessage and publish: the sender is handler:<queue>, which holds no roles ([])", async () => {
    const dave = await t.token('dave', ['system_admin']);
    const pushed = await t.http.post('/api/v1/queues/relay/messages').set(auth(dave)).send({});
    const relay = await completed('relay', pushed.body.id, dave);
    expect(relay.result.sender).toEqual({ subject: 'dave', roles: ['system_admin'] });
    expect((await completed('whoami', relay.result.queued, dave)).result).toEqual({ subject: 'handler:relay', roles: [] });
    expect((await completed('whoami', relay.result.published, dave)).result).toEqual({ subject: 'handler:relay', roles: [] });
  });

  it('records at most 50 roles of at most 128 characters: longer ones left out, the first 50 in sorted order kept', async () => {
    const many = Array.from({ length: 70 }, (_, i) => `r${String(i).padStart(2, '0')}`);
    const erin = await t.token('erin', ['z'.repeat(129), ...many.reverse()]);
    const pushed = await t.http.post('/api/v1/queues/whoami/messages').set(auth(erin)).send({});
    const { result } = await completed('whoami', pushed.body.id, erin);
    expect(result.roles).toEqual([...many].sort().slice(0, 50));
  });

  it("keeps the roles out of the API: a reader does not see a writer's roles", async () => {
    const writer = await t.token('frank', ['queue_writer', 'secret_project_x']);
    const reader = await t.token('reader', ['queue_reader']);
    const pushed = await t.http.post('/api/v1/queues/whoami/messages').set(auth(writer)).send({});
    expect(JSON.stringify(pushed.body)).not.toContain('secret_project_x');
    await completed('whoami', pushed.body.id, writer);
    const read = await t.http.get(`/api/v1/queues/whoami/messages/${pushed.body.id}`).set(auth(reader));
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('senderRoles');
    expect(Object.keys(read.body)).not.toContain('roles');
    const listed = await t.http.get('/api/v1/queues/whoami/messages?limit=100').set(auth(reader));
    expect(listed.status).toBe(200);
    expect(listed.body.items.length).toBeGreaterThan(0);
    for (const item of listed.body.items) expect(item).not.toHaveProperty('senderRoles');
  });
});

describe('SQS SendMessage and SendMessageBatch record the access key roles', () => {
  let t: SqsTestApp;

  beforeAll(async () => {
    t = await startSqsApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("stores the access key's subject and roles with each message", async () => {
    const admin = t.client(ADMIN);
    const { QueueUrl } = await admin.send(new CreateQueueCommand({ QueueName: 'sqs-roles' }));
    const writer = t.client(WRITER);
    const single = await writer.send(new SendMessageCommand({ QueueUrl, MessageBody: 'one' }));
    const batch = await writer.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'a' }] }));
    const messages = t.app.get(MessagesService);
    for (const id of [single.MessageId!, batch.Successful![0].MessageId!]) {
      expect(await messages.get('sqs-roles', id)).toMatchObject({ sentBy: 'sqs-writer', senderRoles: ['system_writer'] });
    }
  });
});
