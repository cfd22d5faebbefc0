import { PgBoss } from 'pg-boss';
import { closedLoop, type LoopResult } from '../lib/load';
import { Latencies } from '../lib/stats';
import { MachineSampler, ResourceSampler, type MachineUsage, type ResourceUsage } from '../lib/proc';

export interface PgBossCycleResult extends LoopResult {
  workers: number;
  fetchBatchSize: number;
  opsLatencyMs: Record<'send' | 'fetch' | 'complete', ReturnType<Latencies['summary']>>;
  /** of the bench process, which hosts pg-boss (Postgres server CPU not included) */
  resources: ResourceUsage & MachineUsage;
}

/** A started pg-boss on the bench schema, with a pool big enough for `workers`. */
export async function openPgBoss(databaseUrl: string, workers: number): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss_bench', max: Math.max(10, workers), schedule: false });
  boss.on('error', (error) => process.stderr.write(`pg-boss: ${error.message}\n`));
  await boss.start();
  return boss;
}

export async function closePgBoss(boss: PgBoss): Promise<void> {
  await boss.stop({ graceful: false, close: true, timeout: 5000 });
}

/**
 * pg-boss v12 doing what a Mailroom HTTP client does in the cycle scenario:
 * each worker loops send → fetch(batchSize) → complete each fetched job, on a fresh queue.
 */
export async function pgBossCycleOn(
  boss: PgBoss,
  queue: string,
  workers: number,
  durationMs: number,
  body: object,
  fetchBatchSize: number,
): Promise<PgBossCycleResult> {
  await boss.createQueue(queue);
  const ops = { send: new Latencies(), fetch: new Latencies(), complete: new Latencies() };
  const timed = async <T>(into: Latencies, work: () => Promise<T>): Promise<T> => {
    const t0 = process.hrtime.bigint();
    const value = await work();
    into.add(Number(process.hrtime.bigint() - t0) / 1e6);
    return value;
  };
  const sampler = new ResourceSampler(process.pid);
  const machine = new MachineSampler();
  try {
    const result = await closedLoop({ clients: workers, durationMs, maxIterations: 5_000_000 }, async () => {
      await timed(ops.send, () => boss.send(queue, body));
      const jobs = await timed(ops.fetch, () => boss.fetch(queue, { batchSize: fetchBatchSize }));
      for (const job of jobs) await timed(ops.complete, () => boss.complete(queue, job.id));
      return jobs.length;
    });
    return {
      ...result,
      workers,
      fetchBatchSize,
      opsLatencyMs: { send: ops.send.summary(), fetch: ops.fetch.summary(), complete: ops.complete.summary() },
      resources: { ...sampler.stop(), ...machine.stop() },
    };
  } finally {
    sampler.stop();
  }
}

export async function pgBossCycle(databaseUrl: string, workers: number, durationMs: number, body: object, fetchBatchSize: number): Promise<PgBossCycleResult> {
  const boss = await openPgBoss(databaseUrl, workers);
  try {
    return await pgBossCycleOn(boss, `cycle-${workers}`, workers, durationMs, body, fetchBatchSize);
  } finally {
    await closePgBoss(boss);
  }
}

/**
 * pg-boss's batch cycle, the SQS scenario's counterpart: each worker loops insert(batch) →
 * fetch(batchSize) → complete(the fetched ids in one call).
 */
export async function pgBossBatchCycleOn(
  boss: PgBoss,
  queue: string,
  workers: number,
  durationMs: number,
  body: object,
  batchSize: number,
): Promise<PgBossCycleResult> {
  await boss.createQueue(queue);
  const ops = { send: new Latencies(), fetch: new Latencies(), complete: new Latencies() };
  const timed = async <T>(into: Latencies, work: () => Promise<T>): Promise<T> => {
    const t0 = process.hrtime.bigint();
    const value = await work();
    into.add(Number(process.hrtime.bigint() - t0) / 1e6);
    return value;
  };
  const sampler = new ResourceSampler(process.pid);
  const machine = new MachineSampler();
  try {
    const jobs = Array.from({ length: batchSize }, () => ({ data: body }));
    const result = await closedLoop({ clients: workers, durationMs, maxIterations: 5_000_000 }, async () => {
      await timed(ops.send, () => boss.insert(queue, jobs));
      const fetched = await timed(ops.fetch, () => boss.fetch(queue, { batchSize }));
      if (fetched.length)
        await timed(ops.complete, () =>
          boss.complete(
            queue,
            fetched.map((job) => job.id),
          ),
        );
      return fetched.length;
    });
    return {
      ...result,
      workers,
      fetchBatchSize: batchSize,
      opsLatencyMs: { send: ops.send.summary(), fetch: ops.fetch.summary(), complete: ops.complete.summary() },
      resources: { ...sampler.stop(), ...machine.stop() },
    };
  } finally {
    sampler.stop();
  }
}
