import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/app';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const bin = (relative: string) => path.join(ROOT, 'node_modules', relative);
/** no telemetry, no update check: the lint stays on this machine */
const QUIET = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

/** Runs a child process without blocking the event loop (the app under test answers in this process); a failure keeps its output. */
async function node(args: string[], cwd: string, env: NodeJS.ProcessEnv = QUIET): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('the OpenAPI document lints clean and generates a typed client that runs the walk-through (e2e)', () => {
  let t: TestApp;
  let baseUrl: string;
  let dir: string;
  let documentPath: string;

  beforeAll(async () => {
    const example = (file: string) => fs.readFileSync(path.join(ROOT, 'config/queues', file), 'utf8');
    t = await startTestApp({ files: { 'queues/hello.queue.json': example('hello.queue.json'), 'queues/hello.queue.js': example('hello.queue.js') } });
    baseUrl = await t.listen();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-openapi-'));
    documentPath = path.join(dir, 'openapi.json');
    const response = await fetch(`${baseUrl}/docs-json`);
    expect(response.status).toBe(200);
    fs.writeFileSync(documentPath, await response.text());
  });
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has no redocly lint errors or warnings (recommended rules)', async () => {
    const lint = await node([bin('@redocly/cli/bin/cli.js'), 'lint', documentPath, '--format=json', `--config=${path.join(ROOT, 'redocly.yaml')}`], dir);
    const problems = (JSON.parse(lint.stdout) as { problems: LintProblem[] }).problems;
    expect(problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
    expect(lint.code).toBe(0);
  }, 60_000);

  it('names its schemas and operations, and documents every answer with the Error schema and its codes', () => {
    const document = JSON.parse(fs.readFileSync(documentPath, 'utf8'));
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Queue', 'QueueDefinition', 'Message', 'Error', 'Grant', 'Topic', 'Stats']),
    );
    const ids = Object.values(document.paths as Record<string, Record<string, { operationId: string }>>).flatMap((methods) =>
      Object.values(methods).map((op) => op.operationId),
    );
    expect(ids).toEqual(
      expect.arrayContaining(['createQueue', 'pushMessage', 'receiveMessages', 'ackMessage', 'ackMessages', 'getQueueStats', 'createTopic', 'publishMessage']),
    );
    expect(ids.filter((id) => !/^[a-z][A-Za-z]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);

    const push = document.paths['/api/v1/queues/{queue}/messages'].post;
    expect(Object.keys(push.responses).sort()).toEqual(['200', '201', '400', '401', '403', '404', '408', '409', '413', '415', '422', '429', '503']);
    expect(push.responses['201'].headers.Location.required).toBe(true);
    expect(push.responses['429'].headers['Retry-After']).toBeDefined();
    expect(push.responses['503'].headers['Retry-After']).toBeDefined();
    expect(push.responses['422'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SchemaError' });
    expect(push.responses['404'].content['application/json'].schema.allOf[1].properties.code.enum).toEqual(['QUEUE_NOT_FOUND']);
    const ack = document.paths['/api/v1/queues/{queue}/messages/{id}/ack'].post;
    expect(ack.responses['404'].content['application/json'].schema.allOf[1].properties.code.enum.sort()).toEqual(['MESSAGE_NOT_FOUND', 'QUEUE_NOT_FOUND']);
    const receive = document.paths['/api/v1/queues/{queue}/messages/receive'].post;
    expect(receive.responses['429'].content['application/json'].schema.allOf[1].properties.code.enum.sort()).toEqual(['RATE_LIMITED', 'TOO_MANY_LONG_POLLS']);
    expect(document.components.schemas.Queue.required).toEqual(expect.arrayContaining(['name', 'delivery', 'incoming', 'createdAt']));
    expect(document.components.schemas.QueueList.properties.items.items).toEqual({ $ref: '#/components/schemas/Queue' });
  });

  it('a client generated by openapi-typescript type-checks under --strict and walks through the README', async () => {
    const generated = await node([bin('openapi-typescript/bin/cli.js'), documentPath, '--output', path.join(dir, 'api.d.ts')], dir);
    expect({ code: generated.code, stderr: generated.code ? generated.stderr : '' }).toEqual({ code: 0, stderr: '' });
    fs.copyFileSync(path.join(__dirname, 'client/walkthrough.ts'), path.join(dir, 'walkthrough.ts'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmitOnError: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          types: ['node'],
          skipLibCheck: true,
          outDir: 'out',
        },
        files: ['walkthrough.ts', 'api.d.ts'],
      }),
    );
    const tsc = bin('typescript/bin/tsc');
    const typecheck = await node([tsc, '-p', dir, '--noEmit'], dir);
    expect({ code: typecheck.code, output: typecheck.stdout }).toEqual({ code: 0, output: '' });
    const compiled = await node([tsc, '-p', dir], dir);
    expect({ code: compiled.code, output: compiled.stdout }).toEqual({ code: 0, output: '' });

    const token = await t.token('alice', ['system_admin']);
    const walk = await node([path.join(dir, 'out/walkthrough.js')], dir, { ...process.env, BASE_URL: baseUrl, TOKEN: token });
    expect({ code: walk.code, stderr: walk.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(walk.stdout)).toEqual({
      visibility: 30,
      pushed: 'PENDING',
      refused: 'MESSAGE_SCHEMA_INVALID',
      acked: 'COMPLETE',
      handlerResult: { result: 'hello there and yes' },
      counts: { PENDING: 0, INPROGRESS: 0, COMPLETE: 1, ERROR: 0 },
      billingPending: 1,
      topicQueues: ['billing', 'shipping'],
      published: ['billing', 'shipping'],
    });
  }, 120_000);
});
