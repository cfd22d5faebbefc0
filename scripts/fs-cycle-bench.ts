/**
 * One caller's push → claim → settle loop on the filesystem message store (no HTTP), on a
 * temporary directory: what the engine adds to a 1-client REST cycle.
 *   node -r @swc-node/register scripts/fs-cycle-bench.ts [cycles=3000] [--durable-lease]
 * The claim defers its lease's durability as a REST receive does (`--durable-lease`: it waits,
 * as a handler claim does). Prints cycles per second, the median latency of each step and the
 * process CPU per cycle (all threads: the thread pool's writes and syncs included).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SystemClock } from '@app/common/clock';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';

const QUEUE = 'cycle';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const cycles = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 3000);
  const deferLeaseDurability = !process.argv.includes('--durable-lease');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-fs-cycle-'));
  const store = new FilesystemMessageStore(dir, new SystemClock());
  await store.open();
  const request = { pad: 'x'.repeat(1000) };
  const steps = { push: [] as number[], claim: [] as number[], settle: [] as number[] };
  try {
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < cycles; i++) {
      let t = performance.now();
      const now = Date.now();
      await store.insert([{ id: randomUUID(), queue: QUEUE, request, sentBy: 'bench', createdAt: now, availableAt: now, idempotencyKey: null }]);
      steps.push.push(performance.now() - t);
      t = performance.now();
      const [m] = await store.claim(QUEUE, { max: 10, now: Date.now(), leaseExpiresAt: Date.now() + 60_000, deferLeaseDurability });
      steps.claim.push(performance.now() - t);
      t = performance.now();
      await store.settle(QUEUE, m.id, m.receipt!, { status: 'COMPLETE', now: Date.now(), result: null, error: null });
      steps.settle.push(performance.now() - t);
    }
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    console.log(
      JSON.stringify({
        cyclesPerSecond: Math.round((cycles / ms) * 1000),
        cpuMsPerCycle: +((used.user + used.system) / 1000 / cycles).toFixed(3),
        p50Ms: { push: +median(steps.push).toFixed(3), claim: +median(steps.claim).toFixed(3), settle: +median(steps.settle).toFixed(3) },
      }),
    );
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
