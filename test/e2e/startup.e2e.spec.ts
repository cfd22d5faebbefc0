import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jwtVerify } from 'jose';

const ROOT = path.resolve(__dirname, '../..');

function run(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(AUTH_|DATABASE_URL|NODE_ENV|PORT|DATA_DIR|CONFIG_DIR)/.test(key)));
  return spawnSync(process.execPath, ['-r', '@swc-node/register', ...args], {
    cwd: ROOT,
    env: { ...clean, LOG_LEVEL: 'error', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('start-up checks (child process)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-start-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start in production without an auth setting, naming it', () => {
    const result = run(['src/main.ts'], { NODE_ENV: 'production', DATA_DIR: dataDir, PORT: '0' });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain('AUTH_JWT_SECRET');
  });

  it('refuses an invalid setting with a message that names it', () => {
    const result = run(['src/main.ts'], { DATA_DIR: dataDir, PORT: 'http', AUTH_JWT_SECRET: 'x'.repeat(40) });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain('Invalid setting PORT');
  });

  it('mints development tokens with npm run token for the generated secret', async () => {
    const result = run(['scripts/token.ts', '--sub', 'alice', '--roles', 'system_admin,queue_admin', '--client', 'shop:order_clerk'], { DATA_DIR: dataDir });
    expect(result.status).toBe(0);
    const secret = fs.readFileSync(path.join(dataDir, 'dev-jwt-secret'), 'utf8').trim();
    expect((fs.statSync(path.join(dataDir, 'dev-jwt-secret')).mode & 0o777).toString(8)).toBe('600');
    const { payload } = await jwtVerify(result.stdout.trim(), new TextEncoder().encode(secret));
    expect(payload).toMatchObject({ sub: 'alice', roles: ['system_admin', 'queue_admin'], resource_access: { shop: { roles: ['order_clerk'] } } });
  });
});
