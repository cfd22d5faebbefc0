import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { closedLoop } from '../lib/load';
import { DatabaseCpuSampler } from '../lib/pg';
import { ResourceSampler, MachineSampler } from '../lib/proc';
import { Latencies, ratio } from '../lib/stats';
import { closePgBoss, openPgBoss, pgBossBatchCycleOn } from '../references/pgboss';
import { referencesRuntimeProblem } from '../references/runtime';
import { bodyOfSize } from './setup';

export const SQS_BENCH_KEY = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'mailroom-bench-sqs-secret-0123456789', subject: 'bench', roles: ['system_admin'] };

/** The environment that turns on a bench Mailroom's SQS listener on `port`, with the bench's access key. */
export function sqsEnv(dir: string, port: number): Record<string, string> {
  const file = path.join(dir, 'sqs-credentials.json');
  const { accessKeyId, secretAccessKey, subject, roles } = SQS_BENCH_KEY;
  fs.writeFileSync(file, JSON.stringify([{ accessKeyId, secretAccessKey, subject, roles }]), { mode: 0o600 });
  return { SQS_PORT: String(port), SQS_CREDENTIALS_FILE: file };
}

/**
 * The SQS cycle with the AWS SDK: each client loops SendMessageBatch(10) → ReceiveMessage(10) →
 * DeleteMessageBatch(received), then pg-boss's batch cycle (insert 10 → fetch 10 → complete ids)
 * at as many workers on the same Postgres, right after, for the ratio.
 */
export async function sqsCycle(
  mailroomPid: number,
  sqsPort: number,
  databaseUrl: string,
  clients: number,
  bytes: number,
  durationMs: number,
): Promise<Record<string, unknown>> {
  const endpoint = `http://127.0.0.1:${sqsPort}`;
  // a copy per client: the SDK marks the credentials object it is given (a `$source` field), which the next run's credentials file must not carry
  const credentials = () => ({ accessKeyId: SQS_BENCH_KEY.accessKeyId, secretAccessKey: SQS_BENCH_KEY.secretAccessKey });
  // one kept-alive connection per client (it sends one request at a time), no retries: an error ends the run
  const sdk = Array.from(
    { length: clients },
    () =>
      new SQSClient({
        endpoint,
        region: 'us-east-1',
        credentials: credentials(),
        maxAttempts: 1,
        requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets: 1 }) },
      }),
  );
  const database = new URL(databaseUrl).pathname.slice(1);
  const body = JSON.stringify(bodyOfSize(bytes));
  try {
    const { QueueUrl } = await sdk[0].send(new CreateQueueCommand({ QueueName: `sqs-cycle-${clients}`, Attributes: { VisibilityTimeout: '60' } }));
    const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: body }));
    const ops = { send: new Latencies(), receive: new Latencies(), delete: new Latencies() };
    const timed = async <T>(into: Latencies, work: () => Promise<T>): Promise<T> => {
      const t0 = process.hrtime.bigint();
      const value = await work();
      into.add(Number(process.hrtime.bigint() - t0) / 1e6);
      return value;
    };
    const sampler = new ResourceSampler(mailroomPid);
    const machine = new MachineSampler();
    const self = new ResourceSampler(process.pid);
    const postgres = await DatabaseCpuSampler.start(database);
    const loop = await closedLoop({ clients, durationMs, maxIterations: 2_000_000 }, async (client) => {
      const sqs = sdk[client];
      const sent = await timed(ops.send, () => sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries })));
      if (sent.Failed?.length) throw new Error(`SendMessageBatch: ${sent.Failed[0].Code} ${sent.Failed[0].Message}`);
      const { Messages = [] } = await timed(ops.receive, () => sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 })));
      if (!Messages.length) return 0;
      const deleted = await timed(ops.delete, () =>
        sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) })),
      );
      if (deleted.Failed?.length) throw new Error(`DeleteMessageBatch: ${deleted.Failed[0].Code} ${deleted.Failed[0].Message}`);
      return deleted.Successful?.length ?? 0;
    });
    const mailroomUsage = sampler.stop();
    const generatorUsage = self.stop();
    const databaseUsage = await postgres.stop();
    const resources = {
      ...mailroomUsage,
      ...machine.stop(),
      loadGeneratorCpuPercent: generatorUsage.cpuPercent,
      benchDatabaseCpuPercent: databaseUsage.cpuPercent,
    };
    const cycles = (loop.unitsPerSecond * loop.seconds) / 10;
    const perCycle = (seconds: number | null) => (seconds === null || !cycles ? null : Math.round(((seconds * 1000) / cycles) * 1000) / 1000);
    const cpuMsPer10Messages = {
      mailroom: perCycle(mailroomUsage.cpuSeconds),
      postgres: perCycle(databaseUsage.cpuSeconds),
      loadGenerator: perCycle(generatorUsage.cpuSeconds),
    };

    const runtimeProblem = referencesRuntimeProblem();
    let reference: Awaited<ReturnType<typeof pgBossBatchCycleOn>> | null = null;
    let referenceDatabase: Awaited<ReturnType<DatabaseCpuSampler['stop']>> | null = null;
    if (runtimeProblem) process.stderr.write(`!!! ${runtimeProblem}: SKIPPING pg-boss's batch cycle (the SQS scenario's reference)\n`);
    else {
      const boss = await openPgBoss(databaseUrl, clients);
      try {
        const referencePostgres = await DatabaseCpuSampler.start(database);
        reference = await pgBossBatchCycleOn(boss, `batch-cycle-${clients}`, clients, durationMs, bodyOfSize(bytes), 10);
        referenceDatabase = await referencePostgres.stop();
      } finally {
        await closePgBoss(boss);
      }
    }
    return {
      description: `AWS SDK SendMessageBatch(10) → ReceiveMessage(10) → DeleteMessageBatch at ${clients} clients (Postgres engine), then pg-boss insert(10) → fetch(10) → complete(ids) at ${clients} workers`,
      clients,
      bodyBytes: bytes,
      throughput: { perSecond: loop.unitsPerSecond, unit: 'messages deleted', requestsPerSecond: Math.round(loop.iterationsPerSecond * 3 * 10) / 10 },
      latencyMs: loop.latencyMs,
      opsLatencyMs: { send: ops.send.summary(), receive: ops.receive.summary(), delete: ops.delete.summary() },
      iterations: loop.iterations,
      seconds: loop.seconds,
      errors: loop.errors,
      firstError: loop.firstError,
      resources,
      cpuMsPer10Messages,
      reference: reference
        ? {
            name: `pgboss_batch_cycle_${clients}w`,
            perSecond: reference.unitsPerSecond,
            errors: reference.errors,
            firstError: reference.firstError,
            resources: { ...reference.resources, benchDatabaseCpuPercent: referenceDatabase?.cpuPercent ?? null },
            cpuMsPer10Messages: referenceCpu(
              reference.unitsPerSecond * reference.seconds,
              reference.resources.cpuSeconds,
              referenceDatabase?.cpuSeconds ?? null,
            ),
          }
        : { name: `pgboss_batch_cycle_${clients}w`, skipped: runtimeProblem },
      vsReference: reference
        ? { reference: `pgboss_batch_cycle_${clients}w (same run, right after)`, ratio: ratio(loop.unitsPerSecond, reference.unitsPerSecond) }
        : null,
    };
  } finally {
    for (const client of sdk) client.destroy();
  }
}

/** pg-boss's cost per 10 messages: its client (in the bench process) and the Postgres backends of the bench database. */
function referenceCpu(messages: number, clientSeconds: number | null, postgresSeconds: number | null): Record<string, number | null> {
  const per = (seconds: number | null) => (seconds === null || !messages ? null : Math.round(((seconds * 1000) / (messages / 10)) * 1000) / 1000);
  return { client: per(clientSeconds), postgres: per(postgresSeconds) };
}
