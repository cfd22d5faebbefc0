/**
 * Raw throughput of the filesystem message store (no HTTP), on a temporary directory:
 *   node -r @swc-node/register scripts/fs-store-bench.ts
 * 20,000 inserts in batches of 100; 10,000 claim + settle cycles with 50 concurrent callers;
 * 10,000 single-message inserts with 50 concurrent callers. Every write is fsynced (group commit).
 * FS_BENCH_PAYLOAD_BYTES=10240 adds a padding of that many bytes to each request (and result),
 * which the store keeps in the journal rather than in memory.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SystemClock } from '@app/common/clock';
import type { NewMessage } from '@app/domain/message';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';

const QUEUE = 'bench';
const PAYLOAD_BYTES = Number(process.env.FS_BENCH_PAYLOAD_BYTES ?? 0);
const pad = (i: number) => (PAYLOAD_BYTES > 0 ? { pad: `${i}`.padEnd(PAYLOAD_BYTES, 'x') } : {});

function draft(i: number): NewMessage {
  const now = Date.now();
  return {
    id: randomUUID(),
    queue: QUEUE,
    request: { sku: `A${i}`, qty: i, note: 'hello world', ...pad(i) },
    sentBy: 'bench',
    createdAt: now,
    availableAt: now,
    idempotencyKey: null,
  };
}

async function timed(label: string, count: number, run: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  console.log(`${label}: ${count} in ${ms.toFixed(0)} ms = ${Math.round((count / ms) * 1000)}/s`);
}

async function main(): Promise<void> {
  if (PAYLOAD_BYTES > 0) console.log(`payload padding: ${PAYLOAD_BYTES} bytes per request and result`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-fs-bench-'));
  const store = new FilesystemMessageStore(dir, new SystemClock());
  await store.open();
  try {
    await timed('batch insert (100 per batch, 20 batches in flight)', 20_000, async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < 20_000) {
            const batch = Array.from({ length: 100 }, () => draft(next++));
            await store.insert(batch);
          }
        }),
      );
    });
    await timed('claim + settle cycles (50 concurrent)', 10_000, async () => {
      let remaining = 10_000;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (remaining-- > 0) {
            const now = Date.now();
            const [m] = await store.claim(QUEUE, { max: 1, now, leaseExpiresAt: now + 30_000 });
            await store.settle(QUEUE, m.id, m.receipt!, { status: 'COMPLETE', now: Date.now(), result: { ok: true, ...pad(remaining) }, error: null });
          }
        }),
      );
    });
    await timed('single inserts (50 concurrent)', 10_000, async () => {
      let remaining = 10_000;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (remaining-- > 0) await store.insert([draft(remaining)]);
        }),
      );
    });
    const { rss, heapUsed } = process.memoryUsage();
    console.log(`memory at the end: rss ${Math.round(rss / 1048576)} MB, heap used ${Math.round(heapUsed / 1048576)} MB`);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
