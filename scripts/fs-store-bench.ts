/**
 * Raw throughput of the filesystem message store (no HTTP), on a temporary directory:
 *   node -r @swc-node/register scripts/fs-store-bench.ts
 * 20,000 inserts in batches of 100; 10,000 claim + settle cycles with 50 concurrent callers;
 * 10,000 single-message inserts with 50 concurrent callers. Every write is fsynced (group commit).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SystemClock } from '@app/common/clock';
import type { NewMessage } from '@app/storage/ports/message.store';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';

const QUEUE = 'bench';

function draft(i: number): NewMessage {
  const now = Date.now();
  return { id: randomUUID(), queue: QUEUE, request: { sku: `A${i}`, qty: i, note: 'hello world' }, sentBy: 'bench', createdAt: now, availableAt: now, idempotencyKey: null };
}

async function timed(label: string, count: number, run: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  console.log(`${label}: ${count} in ${ms.toFixed(0)} ms = ${Math.round((count / ms) * 1000)}/s`);
}

async function main(): Promise<void> {
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
            await store.settle(QUEUE, m.id, m.receipt!, { status: 'COMPLETE', now: Date.now(), result: { ok: true }, error: null });
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
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
