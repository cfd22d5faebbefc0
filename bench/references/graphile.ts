import { makeWorkerUtils, run, Logger } from 'graphile-worker';
import { Pool } from 'pg';
import { quiesceStorage } from '../lib/pg';
import { MachineSampler, ResourceSampler, type MachineUsage, type ResourceUsage } from '../lib/proc';
import { round } from '../lib/stats';

export interface GraphileDrainResult {
  jobs: number;
  concurrency: number;
  completed: number;
  seconds: number;
  jobsPerSecond: number;
  enqueueSeconds: number;
  resources: ResourceUsage & MachineUsage;
}

const quiet = new Logger(() => (level: string, message: string) => {
  if (level === 'error') process.stderr.write(`graphile-worker: ${message}\n`);
});

/**
 * graphile-worker v0.18: a backlog of `jobs` added with addJobs, then drained by run()
 * with a no-op task at `concurrency` — the reference for Mailroom's handler dispatch.
 */
export async function graphileDrain(databaseUrl: string, jobs: number, concurrency: number, timeoutMs: number): Promise<GraphileDrainResult> {
  const schema = 'graphile_bench';
  const pgPool = new Pool({ connectionString: databaseUrl, max: concurrency + 2 });
  pgPool.on('error', () => undefined);
  pgPool.on('connect', (client) => client.on('error', () => undefined));
  try {
    return await drain(pgPool, schema, jobs, concurrency, timeoutMs);
  } finally {
    await pgPool.end();
  }
}

async function drain(pgPool: Pool, schema: string, jobs: number, concurrency: number, timeoutMs: number): Promise<GraphileDrainResult> {
  const utils = await makeWorkerUtils({ pgPool, schema, logger: quiet });
  const enqueueStarted = Date.now();
  try {
    await utils.migrate();
    for (let i = 0; i < jobs; i += 1000) {
      const specs = Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ identifier: 'noop', payload: { n: i + k } }));
      await utils.addJobs(specs);
    }
  } finally {
    await utils.release();
  }
  const enqueueSeconds = (Date.now() - enqueueStarted) / 1000;
  await quiesceStorage();
  let completed = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const sampler = new ResourceSampler(process.pid);
  const machine = new MachineSampler();
  const started = process.hrtime.bigint();
  const runner = await run({
    pgPool,
    schema,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: quiet,
    taskList: {
      noop: async () => {
        if (++completed >= jobs) finish();
      },
    },
  });
  const timeout = setTimeout(finish, timeoutMs);
  await finished;
  clearTimeout(timeout);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const resources = { ...sampler.stop(), ...machine.stop() };
  await runner.stop();
  return {
    jobs,
    concurrency,
    completed,
    seconds: round(seconds),
    jobsPerSecond: round(completed / seconds, 1),
    enqueueSeconds: round(enqueueSeconds),
    resources,
  };
}
