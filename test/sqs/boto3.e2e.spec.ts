import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { skipLoudly } from '@test/support/databases';
import { ADMIN, startSqsApp, type SqsTestApp } from '@test/sqs/sqs-app';

const run = promisify(execFile);
const SCENARIO = path.join(__dirname, 'boto3_scenario.py');
/** outside the repository: made once, reused by later runs */
const VENV = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'mailroom-test', 'boto3-venv');

interface Interpreter {
  python: string | null;
  problem: string;
}

function importsBoto3(python: string): string | null {
  const probe = spawnSync(python, ['-c', 'import boto3; print(boto3.__version__)'], { encoding: 'utf8', timeout: 30_000 });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/** A current boto3 from the machine's pip mirror, in a virtual environment made here. */
function currentBoto3(): Interpreter {
  const python = path.join(VENV, 'bin', 'python');
  if (fs.existsSync(python) && importsBoto3(python)) return { python, problem: '' };
  fs.mkdirSync(path.dirname(VENV), { recursive: true });
  const venv = spawnSync('python3', ['-m', 'venv', '--clear', VENV], { encoding: 'utf8', timeout: 120_000 });
  if (venv.status !== 0) return { python: null, problem: `python3 -m venv failed: ${(venv.stderr || venv.error?.message || '').trim().slice(-300)}` };
  const pip = spawnSync(python, ['-m', 'pip', 'install', '--quiet', 'boto3'], { encoding: 'utf8', timeout: 300_000 });
  if (pip.status !== 0 || !importsBoto3(python))
    return { python: null, problem: `pip install boto3 failed (no reachable mirror?): ${(pip.stderr || pip.error?.message || '').trim().slice(-300)}` };
  return { python, problem: '' };
}

/** Debian's python3-boto3 (1.26, the Query protocol); `.ci/run` installs it when missing. */
function debianBoto3(): Interpreter {
  const python = '/usr/bin/python3';
  const version = fs.existsSync(python) ? importsBoto3(python) : null;
  if (version === null) return { python: null, problem: 'Debian python3-boto3 is not installed (apt-get install python3-boto3)' };
  return { python, problem: '' };
}

function describeWithPython(name: string, find: () => Interpreter, body: (python: () => string) => void): void {
  const found = find();
  if (found.python) {
    describe(name, () => body(() => found.python!));
  } else if (process.env.REQUIRE_SQS_CLIENTS === '1') {
    describe(name, () => {
      it('needs the Python client', () => {
        throw new Error(`${found.problem}; REQUIRE_SQS_CLIENTS=1 makes this a failure`);
      });
    });
  } else {
    skipLoudly(name, found.problem, 'Set REQUIRE_SQS_CLIENTS=1 to fail instead.');
  }
}

async function scenario(python: string, t: SqsTestApp, prefix: string): Promise<{ protocol: string; botocore: string; checks: string[] }> {
  const { stdout } = await run(python, [SCENARIO, t.endpoint, ADMIN.accessKeyId, ADMIN.secretAccessKey, prefix], {
    timeout: 120_000,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), PYTHONIOENCODING: 'utf-8', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { protocol: string; botocore: string; checks: string[] };
}

const ALL_CHECKS = [
  'create',
  'send batch',
  'long poll',
  'expiry',
  'stale handle',
  'redrive',
  'purge',
  'wrong signature',
  'unknown key',
  'missing queue',
  'delete queues',
  'fifo dedup',
  'fifo content dedup',
  'fifo group in flight',
  'fifo order',
  'fifo sequence numbers',
  'fifo receive attributes',
  'fifo receive retried',
  'fifo deduplication id',
];

describeWithPython('SQS endpoint with a current boto3 (JSON protocol)', currentBoto3, (python) => {
  let t: SqsTestApp;
  beforeAll(async () => {
    t = await startSqsApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('passes the scenario', async () => {
    const result = await scenario(python(), t, 'py-json');
    expect(result.protocol).toBe('json');
    expect(result.checks).toEqual(expect.arrayContaining(ALL_CHECKS));
  }, 120_000);
});

describeWithPython("SQS endpoint with Debian's python3-boto3 1.26 (Query protocol)", debianBoto3, (python) => {
  let t: SqsTestApp;
  beforeAll(async () => {
    t = await startSqsApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('passes the scenario', async () => {
    const result = await scenario(python(), t, 'py-query');
    expect(result.protocol).toBe('query');
    expect(result.botocore).toMatch(/^1\.29\./);
    expect(result.checks).toEqual(expect.arrayContaining(ALL_CHECKS));
  }, 120_000);
});
