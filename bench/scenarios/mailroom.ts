import type { MailroomProcess } from '../lib/mailroom';
import { closedLoop, fixedRate, pollUntil, type LoopResult } from '../lib/load';
import { MachineSampler, ResourceSampler, type MachineUsage, type ResourceUsage } from '../lib/proc';
import { Latencies, round, type LatencySummary } from '../lib/stats';
import { bodyOfSize, FANOUT_QUEUES, QUEUES } from './setup';

const API = '/api/v1';
export const messagesPath = (queue: string) => `${API}/queues/${encodeURIComponent(queue)}/messages`;

export interface ScenarioResult {
  description: string;
  clients?: number;
  bodyBytes?: number;
  throughput: { perSecond: number; unit: string; requestsPerSecond?: number };
  latencyMs: LatencySummary | null;
  errors: number;
  firstError?: string | null;
  resources: ResourceUsage;
  [extra: string]: unknown;
}

export type SampledUsage = ResourceUsage & MachineUsage & { loadGeneratorCpuPercent: number | null; replicas?: ResourceUsage[] };

/**
 * Samples Mailroom (each replica, summed) while `work` runs; `loadGeneratorCpuPercent` is this
 * (client) process and `postgresCpuPercent` the database server, which share the cores.
 */
export async function sampled<T>(mailroom: MailroomProcess | MailroomProcess[], work: () => Promise<T>): Promise<{ value: T; resources: SampledUsage }> {
  const replicas = Array.isArray(mailroom) ? mailroom : [mailroom];
  const samplers = replicas.map((m) => new ResourceSampler(m.pid));
  const machine = new MachineSampler();
  const self = new ResourceSampler(process.pid);
  try {
    const value = await work();
    const each = samplers.map((s) => s.stop());
    const sum = (pick: (u: ResourceUsage) => number | null) => (each.some((u) => pick(u) === null) ? null : round(each.reduce((a, u) => a + pick(u)!, 0)));
    const usage: ResourceUsage =
      each.length === 1
        ? each[0]
        : {
            cpuPercent: sum((u) => u.cpuPercent),
            cpuSeconds: sum((u) => u.cpuSeconds),
            peakRssMb: Math.max(...each.map((u) => u.peakRssMb ?? 0)) || null,
            endRssMb: Math.max(...each.map((u) => u.endRssMb ?? 0)) || null,
          };
    return {
      value,
      resources: { ...usage, ...machine.stop(), loadGeneratorCpuPercent: self.stop().cpuPercent, ...(each.length > 1 ? { replicas: each } : {}) },
    };
  } catch (error) {
    samplers.forEach((s) => s.stop());
    machine.stop();
    self.stop();
    throw error;
  }
}

function fromLoop(description: string, loop: LoopResult, resources: ResourceUsage, unit: string, extra: Record<string, unknown> = {}): ScenarioResult {
  return {
    description,
    ...extra,
    throughput: { perSecond: loop.unitsPerSecond, unit, requestsPerSecond: loop.iterationsPerSecond },
    latencyMs: loop.latencyMs,
    iterations: loop.iterations,
    seconds: loop.seconds,
    errors: loop.errors,
    firstError: loop.firstError,
    resources,
  };
}

/** POST one message per request, back to back, from `clients` keep-alive connections. */
export async function pushOnly(mailroom: MailroomProcess, clients: number, bytes: number, durationMs: number): Promise<ScenarioResult> {
  const queue = bytes > 10_000 ? QUEUES.pushLarge : QUEUES.push;
  const payload = JSON.stringify(bodyOfSize(bytes));
  const { value, resources } = await sampled(mailroom, () =>
    closedLoop({ clients, durationMs, maxIterations: 2_000_000 }, async () => {
      await mailroom.client.expect([201], 'POST', messagesPath(queue), payload);
      return 1;
    }),
  );
  return fromLoop(`push only: ${clients} client(s), ${bytes} B bodies; latency per push`, value, resources, 'messages', { clients, bodyBytes: bytes });
}

/**
 * Each client loops: push one, receive up to `maxMessages`, ack each received as complete. With
 * several replicas (one Postgres) client i talks to replica i mod n, as behind a Service.
 */
export async function cycle(
  mailroom: MailroomProcess | MailroomProcess[],
  clients: number,
  bytes: number,
  durationMs: number,
  maxMessages: number,
  queue: string = QUEUES.cycle,
): Promise<ScenarioResult> {
  const replicas = Array.isArray(mailroom) ? mailroom : [mailroom];
  const base = messagesPath(queue);
  const payload = JSON.stringify(bodyOfSize(bytes));
  const receiveBody = JSON.stringify({ maxMessages, visibilityTimeoutSeconds: 60, waitSeconds: 0 });
  const ops = { push: new Latencies(), receive: new Latencies(), ack: new Latencies() };
  const { value, resources } = await sampled(replicas, () =>
    closedLoop({ clients, durationMs, maxIterations: 2_000_000 }, async (client) => {
      const http = replicas[client % replicas.length].client;
      const pushed = await http.expect([201], 'POST', base, payload);
      ops.push.add(pushed.ms);
      const received = await http.expect<{ messages: { id: string; receipt: string }[] }>([200], 'POST', `${base}/receive`, receiveBody);
      ops.receive.add(received.ms);
      for (const message of received.body.messages) {
        const acked = await http.expect([200], 'POST', `${base}/${message.id}/ack`, { receipt: message.receipt, outcome: 'complete' });
        ops.ack.add(acked.ms);
      }
      return received.body.messages.length;
    }),
  );
  const where = replicas.length > 1 ? ` over ${replicas.length} replicas` : '';
  return fromLoop(
    `push → receive(maxMessages ${maxMessages}) → ack each: ${clients} client(s)${where}; latency per loop; throughput = acked messages`,
    value,
    resources,
    'messages acked',
    {
      clients,
      bodyBytes: bytes,
      ...(replicas.length > 1 ? { replicas: replicas.length } : {}),
      opsLatencyMs: { push: ops.push.summary(), receive: ops.receive.summary(), ack: ops.ack.summary() },
    },
  );
}

/** Batch push: 100 messages per request. */
export async function batchPush(mailroom: MailroomProcess, clients: number, bytes: number, durationMs: number, batchSize = 100): Promise<ScenarioResult> {
  const payload = JSON.stringify({ messages: Array.from({ length: batchSize }, () => bodyOfSize(bytes)) });
  const { value, resources } = await sampled(mailroom, () =>
    closedLoop({ clients, durationMs, maxIterations: 200_000 }, async () => {
      await mailroom.client.expect([201], 'POST', `${messagesPath(QUEUES.batch)}/batch`, payload);
      return batchSize;
    }),
  );
  return fromLoop(`batch push of ${batchSize}-message batches (${bytes} B each): ${clients} client(s); latency per batch`, value, resources, 'messages', {
    clients,
    bodyBytes: bytes,
    batchSize,
  });
}

/** Creates the bench topic bound to FANOUT_QUEUES queues (idempotent). */
export async function setupTopic(mailroom: MailroomProcess): Promise<void> {
  await mailroom.client.expect([201, 409], 'POST', `${API}/topics`, { name: QUEUES.topic });
  for (let i = 0; i < FANOUT_QUEUES; i++) {
    await mailroom.client.expect([204], 'PUT', `${API}/topics/${QUEUES.topic}/queues/${QUEUES.fanout(i)}`);
  }
}

export async function fanOut(mailroom: MailroomProcess, clients: number, bytes: number, durationMs: number): Promise<ScenarioResult> {
  await setupTopic(mailroom);
  const payload = JSON.stringify(bodyOfSize(bytes));
  const { value, resources } = await sampled(mailroom, () =>
    closedLoop({ clients, durationMs, maxIterations: 500_000 }, async () => {
      const published = await mailroom.client.expect<{ messages: unknown[] }>([201], 'POST', `${API}/topics/${QUEUES.topic}/messages`, payload);
      return published.body.messages.length;
    }),
  );
  return fromLoop(`topic publish fanned out to ${FANOUT_QUEUES} queues: ${clients} client(s); latency per publish`, value, resources, 'messages stored', {
    clients,
    bodyBytes: bytes,
    boundQueues: FANOUT_QUEUES,
  });
}

export async function queueCounts(mailroom: MailroomProcess, queue: string): Promise<Record<string, number>> {
  const stats = await mailroom.client.expect<{ counts: Record<string, number> }>([200], 'GET', `${API}/queues/${queue}/stats`);
  return stats.body.counts;
}

/** Fills a queue with `count` small messages by batch push (10 clients × 100 per batch). */
export async function fillByBatch(
  mailroom: MailroomProcess,
  queue: string,
  count: number,
  bytes = 100,
  timeoutMs = 30 * 60_000,
): Promise<{ seconds: number; perSecond: number }> {
  const started = Date.now();
  const batches = Math.ceil(count / 100);
  const one = JSON.stringify({ messages: Array.from({ length: 100 }, () => bodyOfSize(bytes)) });
  const last = count % 100 === 0 ? one : JSON.stringify({ messages: Array.from({ length: count % 100 }, () => bodyOfSize(bytes)) });
  let next = 0;
  const deadline = started + timeoutMs;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < batches) {
        if (Date.now() > deadline) throw new Error(`filling ${queue} took longer than ${timeoutMs} ms`);
        const n = next++;
        await mailroom.client.expect([201], 'POST', `${messagesPath(queue)}/batch`, n === batches - 1 ? last : one);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  return { seconds: round(seconds), perSecond: round(count / seconds, 1) };
}

/**
 * Handler dispatch: the backlog was stored while the dispatcher was off; this Mailroom has it
 * on. Throughput = messages completed per second from readiness until the backlog is done.
 */
export async function dispatchDrain(
  mailroom: MailroomProcess,
  queue: string,
  backlog: number,
  concurrency: number,
  timeoutMs: number,
): Promise<ScenarioResult> {
  const done = async () => {
    const counts = await queueCounts(mailroom, queue);
    return counts.COMPLETE + counts.ERROR;
  };
  // polled every 50 ms: two index-backed one-row reads, not the whole-queue counts of /stats
  // (a GROUP BY over 20,000 rows, about a fifth of a core of Postgres at that rate)
  const nothingLeft = async () => {
    for (const status of ['PENDING', 'INPROGRESS']) {
      const page = await mailroom.client.expect<{ items: unknown[] }>([200], 'GET', `${messagesPath(queue)}?status=${status}&limit=1`);
      if (page.body.items.length) return false;
    }
    return true;
  };
  const { value, resources } = await sampled(mailroom, async () => {
    const started = process.hrtime.bigint();
    const before = await done();
    const finished = await pollUntil(nothingLeft, timeoutMs, 50);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const counts = await queueCounts(mailroom, queue);
    return { seconds, settled: counts.COMPLETE + counts.ERROR, before, finished, counts };
  });
  const handled = value.settled - value.before;
  return {
    description: `handler dispatch of a ${backlog}-message backlog with a no-op handler (queue concurrency ${concurrency})`,
    backlog,
    concurrency,
    throughput: { perSecond: round(handled / value.seconds, 1), unit: 'handlers completed' },
    latencyMs: null,
    seconds: round(value.seconds),
    alreadyDoneAtReady: value.before,
    finished: value.finished,
    counts: value.counts,
    errors: value.counts.ERROR ?? 0,
    resources,
  };
}

/** Pushes at a fixed rate to a queue whose handler returns {startedAt}; push → start = startedAt − createdAt. */
export async function pushToStart(mailroom: MailroomProcess, ratePerSecond: number, count: number): Promise<ScenarioResult> {
  const ids: string[] = [];
  const pushLatency = new Latencies();
  const payload = JSON.stringify(bodyOfSize(256));
  const { value, resources } = await sampled(mailroom, async () => {
    const run = await fixedRate(ratePerSecond, count, async () => {
      const pushed = await mailroom.client.expect<{ id: string }>([201], 'POST', messagesPath(QUEUES.latency), payload);
      pushLatency.add(pushed.ms);
      ids.push(pushed.body.id);
    });
    const finished = await pollUntil(
      async () => {
        const counts = await queueCounts(mailroom, QUEUES.latency);
        return counts.COMPLETE + counts.ERROR >= ids.length;
      },
      30_000,
      100,
    );
    return { ...run, finished };
  });
  const toStart = new Latencies();
  const toComplete = new Latencies();
  for (let i = 0; i < ids.length; i += 20) {
    const views = await Promise.all(
      ids
        .slice(i, i + 20)
        .map((id) =>
          mailroom.client.expect<{ createdAt: string; updatedAt: string; result: { startedAt?: number } | null }>(
            [200],
            'GET',
            `${messagesPath(QUEUES.latency)}/${id}`,
          ),
        ),
    );
    for (const view of views) {
      const created = Date.parse(view.body.createdAt);
      if (typeof view.body.result?.startedAt === 'number') toStart.add(view.body.result.startedAt - created);
      toComplete.add(Date.parse(view.body.updatedAt) - created);
    }
  }
  return {
    description: `push → handler start at ${ratePerSecond} msg/s (${count} messages; startedAt from the handler − createdAt, ms resolution)`,
    ratePerSecond,
    count,
    throughput: { perSecond: ratePerSecond, unit: 'messages offered' },
    latencyMs: toStart.summary(),
    pushToCompleteMs: toComplete.summary(),
    pushResponseMs: pushLatency.summary(),
    finished: value.finished,
    errors: value.errors,
    firstError: value.firstError,
    resources,
  };
}

/** Receive latency on a deep queue: `iterations` receive(10) + ack loops from one client. */
export async function receiveOnBacklog(
  mailroom: MailroomProcess,
  queue: string,
  iterations: number,
): Promise<{ receiveMs: LatencySummary; ackMs: LatencySummary; resources: ResourceUsage }> {
  const receive = new Latencies();
  const ack = new Latencies();
  const base = messagesPath(queue);
  const { resources } = await sampled(mailroom, async () => {
    for (let i = 0; i < iterations; i++) {
      const received = await mailroom.client.expect<{ messages: { id: string; receipt: string }[] }>([200], 'POST', `${base}/receive`, {
        maxMessages: 10,
        visibilityTimeoutSeconds: 60,
      });
      receive.add(received.ms);
      for (const message of received.body.messages) {
        const acked = await mailroom.client.expect([200], 'POST', `${base}/${message.id}/ack`, { receipt: message.receipt, outcome: 'complete' });
        ack.add(acked.ms);
      }
    }
  });
  return { receiveMs: receive.summary(), ackMs: ack.summary(), resources };
}

/** A queue created over the API (like the bench's file queues: any object, visibility 60 s). */
export async function createQueue(mailroom: MailroomProcess, name: string, storageEngine: 'sql' | 'filesystem'): Promise<void> {
  await mailroom.client.expect([201], 'POST', `${API}/queues`, {
    name,
    storageEngine,
    roles: { needsRole: true, replace: false, roles: [] },
    incoming: { schema: { type: 'object' } },
    delivery: { visibilityTimeoutSeconds: 60 },
  });
}
