import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { HttpClient } from './http';
import { pollUntil } from './load';

export const BENCH_SECRET = 'mailroom-bench-secret-0123456789abcdef';
const ROOT = path.resolve(__dirname, '..', '..');

/** HS256 JWT signed with node:crypto (the bench needs no ESM import for one token). */
export function signToken(secret: string, sub: string, roles: string[], ttlSeconds = 4 * 3600): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, roles, iat: now, exp: now + ttlSeconds })}`;
  return `${unsigned}.${crypto.createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Copies dist/ to bench/.dist-snapshot-<pid>/ so a rebuild of dist/ during a long run (other
 * work in the same tree) cannot pull files from under the child. Inside the project, so
 * node_modules still resolves. Returns the snapshot's main.js; `removeDistSnapshot` deletes it.
 */
export function snapshotDist(): string {
  const source = path.join(ROOT, 'dist');
  if (!fs.existsSync(path.join(source, 'main.js'))) throw new Error(`${source}/main.js is missing: run npm run build first (npm run bench does)`);
  const target = path.join(ROOT, 'bench', `.dist-snapshot-${process.pid}`);
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(source, target, { recursive: true, filter: (file) => !file.endsWith('.map') });
  return path.join(target, 'main.js');
}

export function removeDistSnapshot(main: string): void {
  const dir = path.dirname(main);
  if (path.basename(dir).startsWith('.dist-snapshot-')) fs.rmSync(dir, { recursive: true, force: true });
}

export interface MailroomOptions {
  /** the main.js to run (see snapshotDist) */
  main: string;
  dataDir: string;
  configDir: string;
  databaseUrl?: string | null;
  dispatcher: boolean;
  /** directory for --cpu-prof output; no profiling when null */
  cpuProfileDir?: string | null;
  logFile: string;
  env?: Record<string, string>;
}

/** Mailroom as a production child process: `node dist/main.js`. */
export class MailroomProcess {
  /** children still running, so an interrupted bench can stop them */
  static readonly running = new Set<MailroomProcess>();
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly client: HttpClient,
    private readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    MailroomProcess.running.add(this);
    void this.exited.then(() => MailroomProcess.running.delete(this));
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(options: MailroomOptions): Promise<MailroomProcess> {
    const main = options.main;
    if (!fs.existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: BENCH_SECRET,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      DATA_DIR: options.dataDir,
      CONFIG_DIR: options.configDir,
      DISPATCHER_ENABLED: String(options.dispatcher),
      SQL_ALLOWED_HOSTS: '127.0.0.1,127.0.0.1:5432,localhost,localhost:5432',
      RATE_LIMIT_PER_MINUTE: '0',
      // off unless a scenario turns it on (options.env): the default port 9324 may be taken
      SQS_PORT: '0',
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    };
    const args = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, main] : [main];
    const log = fs.openSync(options.logFile, 'a');
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const client = new HttpClient(port, signToken(BENCH_SECRET, 'bench', ['system_admin']));
    const mailroom = new MailroomProcess(child, port, client, options.logFile);
    let exitCode: number | null | undefined;
    void mailroom.exited.then((code) => (exitCode = code));
    const ready = await pollUntil(
      async () => {
        if (exitCode !== undefined) return true;
        try {
          return (await client.request('GET', '/readyz', undefined, 2000)).status === 200;
        } catch {
          return false;
        }
      },
      60_000,
      100,
    );
    if (exitCode !== undefined || !ready) {
      await mailroom.stop();
      throw new Error(`Mailroom did not become ready (exit ${exitCode ?? 'none'}): ${mailroom.logTail()}`);
    }
    return mailroom;
  }

  logTail(lines = 15): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** SIGTERM (drain, exit 0), SIGKILL after 30 s. Returns the exit code. */
  async stop(): Promise<number | null> {
    this.client.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
