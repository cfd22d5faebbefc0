import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { referencesRuntimeProblem } from '../../bench/references/runtime';
import { readResult, renderResult } from '../../bench/lib/report';
import { ensureBuilt } from '../support/build';

/**
 * Not a benchmark: checks that `npm run bench -- --quick --runs 2` runs end to end and prints one
 * JSON document with the expected keys: every run, and each figure as a median with its spread.
 * Speeds are never asserted here (see docs/benchmarks.md).
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
    // bench/run.ts without `npm run bench`'s rebuild: that would delete dist/ under the tests running beside this one
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'bench/run.ts', ...args], {
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

const expectSpread = (value: any, runs: number) => {
  expect(value).toEqual(expect.objectContaining({ median: expect.any(Number), min: expect.any(Number), max: expect.any(Number), values: expect.any(Array) }));
  expect(value.values).toHaveLength(runs);
  expect(value.min).toBeLessThanOrEqual(value.median);
  expect(value.median).toBeLessThanOrEqual(value.max);
};

const expectScenario = (scenario: any) => {
  expect(scenario.error).toBeUndefined();
  expect(scenario.throughput.perSecond).toBeGreaterThan(0);
  expect(scenario.resources).toEqual(expect.objectContaining({ cpuPercent: expect.any(Number), peakRssMb: expect.any(Number) }));
};

describe('npm run bench -- --quick --runs 2', () => {
  it('runs every quick scenario twice and prints one JSON document with every run, medians and spreads of throughput, latency, CPU and RSS', async () => {
    const withPostgres = await postgresReachable();
    if (!withPostgres) {
      if (process.env.REQUIRE_DATABASES === '1') throw new Error(`Postgres at ${POSTGRES_URL} is unreachable and REQUIRE_DATABASES=1`);
      console.warn(`!!! Postgres at ${POSTGRES_URL} is unreachable: the bench smoke test covers the filesystem engine only (no references)`);
    }
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-')), 'result.json');
    // the filesystem engine, plus the pg-boss / graphile-worker references when Postgres is there
    // (the Postgres engine runs the same scenario code; leaving it out keeps this test short)
    const runs = 2;
    const args = ['--quick', '--duration', '0.5', '--runs', String(runs), '--out', out, '--engine', 'filesystem'];
    args.push('--scenarios', withPostgres ? 'push,cycle,batch,fanout,dispatch,latency,references' : 'push,cycle,batch,fanout,dispatch,latency');
    await ensureBuilt();
    const { code, stdout, stderr } = await runBench(args, 280_000);
    expect({ code, stderr: code === 0 ? '' : stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });

    const document = JSON.parse(stdout);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(document);
    expect(document).toEqual(
      expect.objectContaining({
        benchmark: 'mailroom',
        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        command: expect.stringContaining('--runs 2'),
        machine: expect.objectContaining({
          cpuModel: expect.any(String),
          cores: expect.any(Number),
          memoryGb: expect.any(Number),
          loadAverageBefore: expect.any(Array),
        }),
        versions: expect.objectContaining({
          node: process.version,
          autocannon: expect.any(String),
          mailroom: expect.objectContaining({ commit: expect.any(String) }),
        }),
        targets: expect.any(Array),
      }),
    );
    expect(document.runs.map((r: any) => r.run)).toEqual([1, 2]);
    const scenarioNames = [
      'push_1c_1kb',
      'push_10c_100kb',
      'push_autocannon_1c',
      'push_autocannon_10c',
      'cycle_1c',
      'cycle_10c',
      'batch_10c',
      'fanout_10c',
      'dispatch_1000',
    ];
    for (const run of document.runs) {
      expect(Object.keys(run.engines)).toEqual(['filesystem']);
      const scenarios = run.engines.filesystem.scenarios;
      for (const name of scenarioNames) expectScenario(scenarios[name]);
      expect(scenarios.cycle_10c.latencyMs).toEqual(expect.objectContaining({ p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) }));
      for (const name of ['push_autocannon_1c', 'push_autocannon_10c']) {
        expect(scenarios[name].latencyMs).toEqual(expect.objectContaining({ p50: expect.any(Number), p99: expect.any(Number) }));
        expect(scenarios[name].autocannon).toEqual(expect.objectContaining({ '2xx': expect.any(Number), requestsPerSecond: expect.any(Object) }));
        expect(scenarios[name].autocannon['2xx']).toBeGreaterThan(0);
      }
      expect(scenarios.push_to_start_100ps.latencyMs.count).toBe(50);
    }
    const summary = new Map(document.summary.map((row: any) => [`${row.engine} ${row.scenario}`, row]));
    for (const name of [...scenarioNames, 'push_to_start_100ps']) {
      const row: any = summary.get(`filesystem ${name}`);
      expect({ name, runs: row?.runs, failedRuns: row?.failedRuns }).toEqual({ name, runs, failedRuns: 0 });
      expectSpread(row.perSecond, runs);
      if (name !== 'dispatch_1000') expectSpread(row.p99Ms, runs);
      if (name !== 'push_to_start_100ps') expectSpread(row.cpuMsPerUnit, runs);
    }
    expect(renderResult(readResult(stdout, 'stdout'), 'stdout')).toMatch(/\| filesystem \| push_autocannon_10c \| [\d,.]+\/s \([\d,.]+–[\d,.]+\) \|/);
    const targetNames = document.targets.map((t: any) => `${t.engine}: ${t.target}`);
    expect(targetNames).toEqual(
      expect.arrayContaining(['filesystem: batch push ≥ 20,000 messages/s', 'filesystem: p99 push → handler start ≤ 20 ms at 100 msg/s']),
    );
    for (const target of document.targets) {
      expect(typeof target.pass).toBe('boolean');
      expect(target.ofRuns).toBe(runs);
      expect(target.value).toBe(target.spread?.median ?? null);
    }
    // pg-boss 12 and graphile-worker 0.18 need Node ≥ 22: on Node 20 the bench skips them with a notice
    const runtimeProblem = referencesRuntimeProblem(document.versions.node.replace(/^v/, ''));
    if (withPostgres && runtimeProblem) {
      expect(document.skipped).toEqual(expect.arrayContaining([expect.stringContaining('SKIPPING the pg-boss / graphile-worker references')]));
      expect(stderr).toContain(runtimeProblem);
      for (const run of document.runs) {
        expect(run.references).toEqual({});
        expect(run.engines.filesystem.scenarios.cycle_10c.vsReference).toBeNull();
      }
    }
    if (withPostgres && !runtimeProblem) {
      for (const run of document.runs) {
        expect(run.references.pgboss_cycle_10w.unitsPerSecond).toBeGreaterThan(0);
        expect(run.references.graphile_drain_10.completed).toBe(1000);
        expect(run.engines.filesystem.scenarios.cycle_10c.vsReference.ratio).toEqual(expect.any(Number));
      }
      expectSpread((summary.get('filesystem cycle_10c_interleaved') as any).vsReference, runs);
      expectSpread((summary.get('reference graphile_drain_10') as any).perSecond, runs);
      expect(document.versions).toEqual(
        expect.objectContaining({ postgres: expect.any(String), 'pg-boss': expect.any(String), 'graphile-worker': expect.any(String) }),
      );
      expect(targetNames).toEqual(
        expect.arrayContaining([
          'filesystem: HTTP cycle at 1 client ≥ 1.5 × pg-boss cycle at 1 worker (issue 20)',
          'filesystem: HTTP cycle at 10 clients ≥ 1.5 × pg-boss cycle at 10 workers, interleaved (issue 20)',
          'filesystem: handler dispatch ≥ 1.3 × graphile-worker jobs/s (concurrency 10, issue 20)',
        ]),
      );
    }
  }, 470_000);
});
