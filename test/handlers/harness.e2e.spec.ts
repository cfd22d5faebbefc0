import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { writeConfigFiles } from '../support/app';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = 'docs/examples/config/queues/orders.queue.js';

function harness(args: string[], env: Record<string, string>): Promise<{ code: number; out: Record<string, any>; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', 'scripts/handler.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', CONFIG_DIR: 'docs/examples/config', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        // execFile's error is an Error whose type Omit<>s its code
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        if (error && typeof error.code !== 'number') return reject(error);
        try {
          resolve({ code: error ? Number(error.code) : 0, out: JSON.parse(stdout), stderr });
        } catch {
          reject(new Error(`no JSON from the harness: ${stdout}\n${stderr}`));
        }
      },
    );
  });
}

/** `npm run handler`: one handler file, one message, services stubbed or real. */
describe('handler harness (scripts/handler.ts)', () => {
  it('runs the example handler with stubbed services and reports the calls it made', async () => {
    const { code, out } = await harness(['--file', EXAMPLE, '--message', '{"orderId":"A-1","total":1250}', '--sender', 'alice'], {
      MAILROOM_ENV__REGION: 'eu',
    });
    expect(code).toBe(0);
    expect(out.result).toEqual({ orderId: 'A-1', status: 200, decisions: ['review', 'express-shipping'], region: 'eu', tokenReady: true, seen: 1 });
    expect(out.calls.map((c: { service: string }) => c.service)).toEqual([
      'idmService.getUserInfo',
      'integrationService.call',
      'rulesetService.evaluate',
      'serviceProvider.request',
      'messagingService.queueMessage',
      'authClientProvider.getAccessToken',
    ]);
    expect(out.calls[3].args[1]).toMatchObject({ method: 'POST', path: '/reviews', body: { orderId: 'A-1', requestedBy: 'alice' } });
  });

  it('answers getSender() with --sender and --roles (sorted, as a push records them), roles null without --roles', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-harness-sender-'));
    try {
      const file = path.join(dir, 'whoami.queue.js');
      fs.writeFileSync(file, 'module.exports = async function () { return this.idmService.getSender(); };');
      const { code, out } = await harness(['--file', file, '--sender', 'alice', '--roles', 'queue_writer, auditor'], {});
      expect(code).toBe(0);
      expect(out.result).toEqual({ subject: 'alice', roles: ['auditor', 'queue_writer'] });
      const plain = await harness(['--file', file], {});
      expect(plain.out.result).toEqual({ subject: 'developer', roles: null });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with --real calls the integration and fails like the service would', async () => {
    const requests: { url?: string; authorization?: string }[] = [];
    const server = http.createServer((req, res) => {
      requests.push({ url: req.url, authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const env = { MAILROOM_SECRET__ORDERS_API_TOKEN: 'local-token' };
      const refused = await harness(['--file', EXAMPLE, '--message', '{"orderId":"A-2","total":10}', '--real'], env);
      expect(refused.code).toBe(1);
      expect(refused.out.error).toEqual({
        name: 'IntegrationHostNotAllowed',
        message: 'integration orders-api: orders-api.internal:8080 is not in INTEGRATION_ALLOWED_HOSTS',
      });
      expect(JSON.stringify(refused.out)).not.toContain('local-token');
      expect(requests).toHaveLength(0);

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-harness-'));
      writeConfigFiles(dir, {
        'integrations/echo.json': { baseUrl: `http://127.0.0.1:${port}/v1`, auth: { type: 'header', secret: 'ORDERS_API_TOKEN', prefix: 'Bearer ' } },
        'queues/echo.queue.js': `module.exports = async function (m) { const r = await this.integrationService.call('echo', { path: '/echo', query: m }); return { status: r.status, body: r.body }; }`,
      });
      const real = await harness(['--file', path.join(dir, 'queues/echo.queue.js'), '--message', '{"n":1}', '--real'], {
        ...env,
        CONFIG_DIR: dir,
        INTEGRATION_ALLOWED_HOSTS: `127.0.0.1:${port}`,
      }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
      expect(real.code).toBe(0);
      expect(real.out.result).toEqual({ status: 200, body: {} });
      expect(requests).toEqual([{ url: '/v1/echo?n=1', authorization: 'Bearer local-token' }]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
