import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { ROOT } from '../support/build';
import { waitFor } from '../support/time';

const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');
const CHROMIUM = '/usr/bin/chromium';

jest.setTimeout(100_000);

/**
 * The console in Debian's Chromium (headless, driven by playwright-core, no downloaded browser)
 * against the real app on an ephemeral loopback port, with the console built by the project's
 * own Vite config. Screenshots of each main page go to test-artifacts/console/.
 */
describe('operator console in a real browser (e2e)', () => {
  const built = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-console-build-'));
  let t: TestApp;
  let url: string;
  let browser: Browser;
  let admin: string;
  const problems: string[] = [];

  const api = (method: 'get' | 'post' | 'put', route: string, body?: unknown) => {
    const call = t.http[method](`/api/v1${route}`).set('Authorization', `Bearer ${admin}`);
    return body === undefined ? call : call.send(body as object);
  };

  async function signedIn(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40[134]/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${url}/console/`);
    await page.fill('[data-testid=signin] textarea[name=token]', token);
    await page.click('[data-testid=signin] button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const cell = (page: Page, scope: string, status: string) => page.locator(`${scope} [data-status=${status}]`).first().textContent();

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await promisify(execFile)('npx', ['vite', 'build', '-c', 'console/vite.config.ts', '--outDir', built, '--emptyOutDir'], { cwd: ROOT, timeout: 90_000 });
    t = await startTestApp({ consoleDir: built, env: { DISPATCHER_ENABLED: 'false' } });
    url = await t.listen();
    admin = await t.token('admin', ['system_admin']);
    // launch() starts Chromium with a fresh temporary profile (user-data-dir) of its own and removes it on close
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    fs.rmSync(built, { recursive: true, force: true });
  });

  it('an admin signs in, creates a queue, pushes through the form, opens the message, requeues from the error list, grants and revokes', async () => {
    const page = await signedIn(admin);
    expect(await page.textContent('[data-testid=who]')).toContain('admin · system_admin');
    expect(page.url()).not.toContain(admin);
    expect(await page.evaluate("[sessionStorage.getItem('mailroom.token') !== null, localStorage.length]")).toEqual([true, 0]);

    const create = page.locator('[data-testid=create-queue]');
    await create.locator('input[name=name]').fill('orders');
    await create.locator('textarea[name=schema]').fill('{"type":"object","required":["sku"],"properties":{"sku":{"type":"string"}}}');
    await create.locator('button[type=submit]').click();
    await page.waitForSelector('tr[data-queue=orders]');
    expect(await cell(page, 'tr[data-queue=orders]', 'PENDING')).toBe('0');
    expect((await api('post', '/topics', { name: 'news', queues: ['orders'] })).status).toBe(201);

    await page.click('a[href="#/queues/orders"]');
    await page.waitForSelector('[data-testid=stats]');
    expect(await cell(page, '[data-testid=stats]', 'PENDING')).toBe('0');

    // checked against the schema in the browser: nothing is sent
    const form = page.locator('[data-testid=push-form]');
    await form.locator('textarea[name=message]').fill('{"sku": 5}');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('[data-testid=push-problems]');
    expect(await page.textContent('[data-testid=push-problems]')).toMatch(/sku/);
    expect((await api('get', '/queues/orders/stats')).body.counts.PENDING).toBe(0);

    await form.locator('textarea[name=message]').fill('{"sku": "A1"}');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('[data-testid=pushed] a');
    await waitFor(async () => (await cell(page, '[data-testid=stats]', 'PENDING')) === '1', 10_000);
    const [stored] = (await api('get', '/queues/orders/messages')).body.items;
    expect(stored).toMatchObject({ request: { sku: 'A1' }, sentBy: 'admin', status: 'PENDING' });

    await page.click('[data-testid=pushed] a');
    await page.waitForSelector('[data-testid=message]');
    expect(await page.textContent('[data-testid=message-status]')).toBe('PENDING');
    expect(await page.textContent('[data-testid=message]')).toContain('"sku": "A1"');
    await shot(page, 'message');

    // the message fails: a consumer acks it as an error
    const [leased] = (await api('post', '/queues/orders/messages/receive', { maxMessages: 1 })).body.messages;
    expect((await api('post', `/queues/orders/messages/${leased.id}/ack`, { receipt: leased.receipt, outcome: 'error', error: 'out of stock' })).status).toBe(
      200,
    );

    await page.click('a[href="#/queues/orders"]');
    await page.waitForSelector('[data-testid=stats]');
    await waitFor(async () => (await cell(page, '[data-testid=stats]', 'ERROR')) === '1', 10_000);
    await page.click('[data-testid=tab-ERROR]');
    const row = page.locator(`tr[data-message="${stored.id}"]`);
    await row.waitFor();
    await shot(page, 'queue');
    await row.locator('[data-testid=requeue]').click();
    await row.waitFor({ state: 'detached' });
    expect((await api('get', `/queues/orders/messages/${stored.id}`)).body.status).toBe('PENDING');
    await waitFor(async () => (await cell(page, '[data-testid=stats]', 'PENDING')) === '1', 10_000);

    const grantForm = page.locator('[data-testid=grant-form]');
    await grantForm.locator('input[name=subject]').fill('carol');
    await grantForm.locator('select[name=action]').selectOption('receive');
    await grantForm.locator('[data-testid=grant]').click();
    await page.waitForSelector('tr[data-grant="carol/receive"]');
    expect((await api('get', '/permissions?subject=carol')).body.items).toEqual([
      expect.objectContaining({ action: 'receive', grantedBy: 'admin', resource: { type: 'queue', name: 'orders' } }),
    ]);
    await page.click('tr[data-grant="carol/receive"] [data-testid=revoke]');
    await page.waitForSelector('tr[data-grant="carol/receive"]', { state: 'detached' });
    expect((await api('get', '/permissions?subject=carol')).body.items).toEqual([]);

    await page.click('a[href="#/"]');
    await page.waitForSelector('tr[data-queue=orders]');
    await waitFor(async () => (await page.locator('tr[data-queue=orders] svg polyline').count()) > 0, 15_000);
    await shot(page, 'overview');

    await page.click('a[href="#/topics/news"]');
    await page.waitForSelector('[data-testid=bindings]');
    expect(await page.textContent('[data-testid=bindings]')).toContain('orders');
    await shot(page, 'topic');

    expect((await api('put', '/queues/orders/permissions/dave/send_to_queue')).status).toBe(204);
    await page.click('a[href="#/grants"]');
    await page.fill('input[name=subject]', 'dave');
    await page.click('button:has-text("Show")');
    await page.waitForSelector('tr[data-grant="dave/send_to_queue"]');
    await shot(page, 'grants');
    await page.context().close();
    expect(problems).toEqual([]);
  });

  it('a reader sees queues and messages but no admin action', async () => {
    expect((await api('post', '/queues', { name: 'reports' })).status).toBe(201);
    expect((await api('post', '/queues/reports/messages', { n: 1 })).status).toBe(201);
    const page = await signedIn(await t.token('rita', ['queue_reader']));
    await page.waitForSelector('tr[data-queue=reports]');
    expect(await page.locator('[data-testid=create-queue]').count()).toBe(0);
    await page.click('a[href="#/queues/reports"]');
    await page.waitForSelector('[data-testid=messages] tr[data-message]');
    await page.waitForSelector('[data-testid=grants], [data-testid=no-grants]');
    for (const admin of [
      '[data-testid=admin-actions]',
      '[data-testid=push-form]',
      '[data-testid=grant-form]',
      '[data-testid=revoke]',
      '[data-testid=purge]',
      '[data-testid=delete]',
    ]) {
      expect([admin, await page.locator(admin).count()]).toEqual([admin, 0]);
    }
    await shot(page, 'queue-reader');
    await page.click('[data-testid=messages] tr[data-message] a');
    await page.waitForSelector('[data-testid=message]');
    expect(await page.textContent('[data-testid=from-list]')).toContain('writer right');
    expect(await page.textContent('[data-testid=message]')).toContain('"n": 1');
    expect(await page.locator('[data-testid=message] [data-testid=delete]').count()).toBe(0);
    await page.context().close();
    expect(problems).toEqual([]);
  });

  it('a bad token gets the sign-in form back with the reason, and nothing is kept', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/console/`);
    await page.fill('textarea[name=token]', 'not-a-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    expect(await page.textContent('.error')).toContain('UNAUTHENTICATED');
    expect(await page.evaluate('sessionStorage.length + localStorage.length')).toBe(0);
    await context.close();
  });
});
