import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { referencesRuntimeProblem } from '../../bench/references/runtime';

/**
 * Not a benchmark: checks that `npm run bench -- --quick` runs end to end and prints one JSON
 * document with the expected keys. Speeds are never asserted here (see docs/benchmarks.md).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const client = new Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'bench', '--', ...args], {
      cwd: ROOT,
      env: { ...process.env, BENCH_POSTGRES_URL: POSTGRES_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`npm run bench did not finish within ${timeoutMs} ms:\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const expectScenario = (scenario: any) => {
  expect(scenario.error).toBeUndefined();
  expect(scenario.throughput.perSecond).toBeGreaterThan(0);
  expect(scenario.resources).toEqual(expect.objectContaining({ cpuPercent: expect.any(Number), peakRssMb: expect.any(Number) }));
};

describe('npm run bench -- --quick', () => {
  it('runs every quick scenario and prints one JSON document with throughput, latency, CPU and RSS', async () => {
    const withPostgres = await postgresReachable();
    if (!withPostgres) {
      if (process.env.REQUIRE_DATABASES === '1') throw new Error(`Postgres at ${POSTGRES_URL} is unreachable and REQUIRE_DATABASES=1`);
      console.warn(`!!! Postgres at ${POSTGRES_URL} is unreachable: the bench smoke test covers the filesystem engine only (no references)`);
    }
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-')), 'result.json');
    // the filesystem engine, plus the pg-boss / graphile-worker references when Postgres is there
    // (the Postgres engine runs the same scenario code; leaving it out keeps this test short)
    const args = ['--quick', '--duration', '0.5', '--out', out, '--engine', 'filesystem'];
    args.push('--scenarios', withPostgres ? 'push,cycle,batch,fanout,dispatch,latency,references' : 'push,cycle,batch,fanout,dispatch,latency');
    const { code, stdout, stderr } = await runBench(args, 140_000);
    expect({ code, stderr: code === 0 ? '' : stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });

    const document = JSON.parse(stdout);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(document);
    expect(document).toEqual(
      expect.objectContaining({ benchmark: 'mailroom', command: expect.stringContaining('--quick'), machine: expect.any(Object), targets: expect.any(Array) }),
    );
    const engines = ['filesystem'];
    expect(Object.keys(document.engines).sort()).toEqual(engines);
    for (const engine of engines) {
      const scenarios = document.engines[engine].scenarios;
      for (const name of ['push_1c_1kb', 'push_10c_100kb', 'cycle_1c', 'cycle_10c', 'batch_10c', 'fanout_10c', 'dispatch_1000'])
        expectScenario(scenarios[name]);
      expect(scenarios.cycle_10c.latencyMs).toEqual(expect.objectContaining({ p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) }));
      expect(scenarios.push_to_start_100ps.latencyMs.count).toBe(50);
    }
    const targetNames = document.targets.map((t: any) => `${t.engine}: ${t.target}`);
    expect(targetNames).toEqual(
      expect.arrayContaining(['filesystem: batch push ≥ 20,000 messages/s', 'filesystem: p99 push → handler start ≤ 20 ms at 100 msg/s']),
    );
    for (const target of document.targets) expect(typeof target.pass).toBe('boolean');
    // pg-boss 12 and graphile-worker 0.18 need Node ≥ 22: on Node 20 the bench skips them with a notice
    const runtimeProblem = referencesRuntimeProblem(document.machine.node.replace(/^v/, ''));
    if (withPostgres && runtimeProblem) {
      expect(document.skipped).toEqual(expect.arrayContaining([expect.stringContaining('SKIPPING the pg-boss / graphile-worker references')]));
      expect(stderr).toContain(runtimeProblem);
      expect(document.references).toEqual({});
      expect(document.engines.filesystem.scenarios.cycle_10c.vsReference).toBeNull();
    }
    if (withPostgres && !runtimeProblem) {
      expect(document.references.pgboss_cycle_10w.unitsPerSecond).toBeGreaterThan(0);
      expect(document.references.graphile_drain_10.completed).toBe(1000);
      expect(document.engines.filesystem.scenarios.cycle_10c.vsReference.ratio).toEqual(expect.any(Number));
      expect(targetNames).toEqual(
        expect.arrayContaining([
          'filesystem: HTTP cycle at 10 clients ≥ 1.5 × pg-boss cycle at 10 workers',
          'filesystem: handler dispatch ≥ graphile-worker jobs/s (concurrency 10)',
        ]),
      );
    }
  }, 150_000);
});
