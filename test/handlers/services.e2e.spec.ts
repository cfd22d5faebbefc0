import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';

/** The services on `this`, called from inside the worker thread and served by the main thread. */
describe('handlers: services on this', () => {
  let t: TestApp;
  let admin: string;
  let tokenServer: http.Server;
  const tokenRequests: string[] = [];
  const logSpy = jest.spyOn(Logger.prototype, 'log');

  beforeAll(async () => {
    tokenServer = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        tokenRequests.push(body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: `token-${tokenRequests.length}`, token_type: 'Bearer', expires_in: 3600 }));
      });
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/oauth/token`;

    t = await startTestApp({
      env: {
        MAILROOM_ENV__REGION: 'eu-west',
        MAILROOM_SECRET__API_KEY: 'very-secret-value',
        AUTH_CLIENT_TOKEN_URL: tokenUrl,
        AUTH_CLIENT_ID: 'mailroom',
        AUTH_CLIENT_SECRET: 'client-secret',
        AUTH_CLIENT_SCOPE: 'orders:write',
      },
      files: {
        'queues/worker.queue.json': { name: 'worker', roles: { needsRole: false } },
        'queues/worker.queue.js': `module.exports = async function (request, context) {
          this.logger.info('working on it', { step: request.step });
          if (request.leak) {
            this.logger.warn('the key is ' + this.environmentService.getSecret('API_KEY'), { key: this.environmentService.getSecret('API_KEY') });
            throw new Error('failed with key ' + this.environmentService.getSecret('API_KEY'));
          }
          const queued = await this.messagingService.queueMessage('sink', { from: context.id });
          const seen = await this.messagingService.getMessage('sink', queued.id);
          let invalid = null;
          try { await this.messagingService.queueMessage('sink', { wrong: true }); } catch (e) { invalid = e.name + ':' + e.code; }
          let deleted = null;
          if (request.deleteId) deleted = await this.messagingService.deleteMessage('sink', request.deleteId);
          let published = null;
          try { published = await this.messagingService.publish('news', { from: context.id }); } catch (e) { published = e.name; }
          const counter = ((await this.storageService.get('counter')) || 0) + 1;
          await this.storageService.set('counter', counter);
          await this.storageService.set('tmp:' + context.id, true);
          const removed = await this.storageService.delete('tmp:' + context.id);
          const [first, second] = await Promise.all([this.authClientProvider.getAccessToken(), this.authClientProvider.getAccessToken()]);
          return {
            queued: { id: queued.id, status: queued.status, sentBy: queued.sentBy },
            seen: seen.request,
            invalid,
            deleted,
            published,
            counter,
            removed,
            keys: await this.storageService.list(),
            region: await this.environmentService.getEnvironmentVariable('REGION'),
            env: this.environmentService.listEnvironmentVariables(),
            secret: this.environmentService.getSecret('API_KEY'),
            secrets: this.environmentService.listSecrets(),
            tokens: [first, second],
          };
        }`,
        'queues/sink.queue.json': {
          name: 'sink',
          roles: { needsRole: false },
          incoming: { schema: { type: 'object', required: ['from'] } },
        },
        'topics/news.topic.json': { name: 'news', queues: ['sink'] },
      },
    });
    admin = await t.token('alice', ['system_admin']);
  });

  afterAll(async () => {
    logSpy.mockRestore();
    await t.close();
    await new Promise<void>((resolve) => tokenServer.close(() => resolve()));
  });

  async function runToCompletion(body: object) {
    const pushed = await t.http.post('/api/v1/queues/worker/messages').set('Authorization', `Bearer ${admin}`).send(body);
    expect(pushed.status).toBe(201);
    return waitFor(async () => {
      const res = await t.http.get(`/api/v1/queues/worker/messages/${pushed.body.id}`).set('Authorization', `Bearer ${admin}`);
      if (res.body.status === 'ERROR') throw new Error(`handler failed: ${JSON.stringify(res.body.error)}`);
      return res.body.status === 'COMPLETE' ? res.body : null;
    });
  }

  it('serves messaging, storage, environment, secrets and access tokens to the handler', async () => {
    const victim = await t.http.post('/api/v1/queues/sink/messages').set('Authorization', `Bearer ${admin}`).send({ from: 'test' });
    const message = await runToCompletion({ step: 1, deleteId: victim.body.id });
    const result = message.result;
    expect(result.queued).toMatchObject({ status: 'PENDING', sentBy: 'handler:worker' });
    expect(result.seen).toEqual({ from: message.id });
    expect(result.invalid).toBe('MailroomError:MESSAGE_SCHEMA_INVALID');
    expect(result.deleted).toBe(true);
    expect((await t.http.get(`/api/v1/queues/sink/messages/${victim.body.id}`).set('Authorization', `Bearer ${admin}`)).status).toBe(404);
    expect(result).toMatchObject({
      counter: 1,
      removed: true,
      keys: ['counter'],
      region: 'eu-west',
      env: { REGION: 'eu-west' },
      secret: 'very-secret-value',
      secrets: ['API_KEY'],
      tokens: ['token-1', 'token-1'],
    });

    const stored = await t.http.get(`/api/v1/queues/sink/messages/${result.queued.id}`).set('Authorization', `Bearer ${admin}`);
    expect(stored.body).toMatchObject({ status: 'PENDING', request: { from: message.id }, sentBy: 'handler:worker' });

    expect(result.published).toMatchObject({ topic: 'news', messages: [{ queue: 'sink' }] });
  });

  it('keeps one access token for every handler until it nears expiry, and per-queue storage across messages', async () => {
    const message = await runToCompletion({ step: 2 });
    expect(message.result).toMatchObject({ counter: 2, tokens: ['token-1', 'token-1'] });
    expect(tokenRequests).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(tokenRequests[0]))).toMatchObject({
      grant_type: 'client_credentials',
      client_id: 'mailroom',
      scope: 'orders:write',
    });
  });

  it('masks secret values in handler log lines and error messages', async () => {
    const warnSpy = jest.spyOn(Logger.prototype, 'warn');
    try {
      const pushed = await t.http.post('/api/v1/queues/worker/messages').set('Authorization', `Bearer ${admin}`).send({ leak: true });
      const failed = await waitFor(async () => {
        const res = await t.http.get(`/api/v1/queues/worker/messages/${pushed.body.id}`).set('Authorization', `Bearer ${admin}`);
        return res.body.status === 'ERROR' ? res.body : null;
      });
      expect(failed.error).toEqual({ name: 'Error', message: 'failed with key [REDACTED]' });
      const line = await waitFor(() => warnSpy.mock.calls.map(([entry]) => entry).find((entry) => entry?.messageId === pushed.body.id));
      expect(line).toMatchObject({ msg: 'the key is [REDACTED]', fields: { key: '[REDACTED]' } });
      expect(JSON.stringify(warnSpy.mock.calls)).not.toContain('very-secret-value');
    } finally {
      warnSpy.mockRestore();
    }
  });

  it('logs structured lines tagged with queue and message id, through the main thread', async () => {
    const message = await runToCompletion({ step: 3 });
    const line = await waitFor(() => logSpy.mock.calls.map(([entry]) => entry).find((entry) => entry?.messageId === message.id));
    expect(line).toEqual({ msg: 'working on it', queue: 'worker', messageId: message.id, attempt: 1, fields: { step: 3 } });
    expect(JSON.stringify(logSpy.mock.calls)).not.toContain('very-secret-value');
  });
});
