import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';

/** `require` inside a handler mounted from config resolves packages from HANDLER_MODULES_DIR (default <CONFIG_DIR>/handlers/node_modules). */
describe('handlers: dependencies folder', () => {
  let t: TestApp;
  let admin: string;
  const queue = (name: string, source: string) => ({
    [`queues/${name}.queue.json`]: { name, roles: { needsRole: false } },
    [`queues/${name}.queue.js`]: source,
  });

  beforeAll(async () => {
    t = await startTestApp({
      files: {
        'handlers/node_modules/tiny-greeter/package.json': { name: 'tiny-greeter', version: '1.0.0', main: 'lib/index.js' },
        'handlers/node_modules/tiny-greeter/lib/index.js': 'module.exports = (name) => `hello ${name} from tiny-greeter`;',
        ...queue('greets', "const greet = require('tiny-greeter');\nmodule.exports = async (request) => ({ greeting: greet(request.name) });"),
        ...queue('broken', "const missing = require('not-installed-anywhere');\nmodule.exports = async () => missing();"),
        ...queue('nofunction', 'module.exports = 42;'),
      },
    });
    admin = await t.token('alice', ['system_admin']);
  });
  afterAll(() => t.close());

  async function pushAndSettle(queue: string, body: object) {
    const pushed = await t.http.post(`/api/v1/queues/${queue}/messages`).set('Authorization', `Bearer ${admin}`).send(body).expect(201);
    return waitFor(async () => {
      const message = (await t.http.get(`/api/v1/queues/${queue}/messages/${pushed.body.id}`).set('Authorization', `Bearer ${admin}`).expect(200)).body;
      return message.status === 'COMPLETE' || message.status === 'ERROR' ? message : null;
    }, 10_000);
  }

  it('completes a handler that requires a package installed in the folder', async () => {
    const message = await pushAndSettle('greets', { name: 'bob' });
    expect(message).toMatchObject({ status: 'COMPLETE', result: { greeting: 'hello bob from tiny-greeter' } });
  });

  it('ends a handler whose package is missing in ERROR with HandlerLoadError naming the package, no server path', async () => {
    const message = await pushAndSettle('broken', {});
    expect(message.status).toBe('ERROR');
    expect(message.error.name).toBe('HandlerLoadError');
    expect(message.error.message).toContain('"not-installed-anywhere"');
    expect(message.error.message).toContain('HANDLER_MODULES_DIR');
    const text = JSON.stringify(message.error);
    for (const serverPath of [t.configDir, t.dataDir, process.cwd(), 'Require stack', '/tmp/']) expect(text).not.toContain(serverPath);
  });

  it('names no server path when the file exports no function', async () => {
    const message = await pushAndSettle('nofunction', {});
    expect(message.error).toEqual({ name: 'HandlerLoadError', message: 'cannot load the handler of nofunction: the file does not export a function' });
  });
});
