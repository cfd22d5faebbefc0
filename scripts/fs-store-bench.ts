import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SystemClock } from '@app/common/clock';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsbench-'));
  const store = new FilesystemMessageStore(dir, new SystemClock());
  await store.open();
  const queue = 'bench';
  const N = 20000;
  let t = performance.now();
  const batches = [];
  for (let b = 0; b < N / 100; b++) {
    const now = Date.now();
    batches.push(store.insert(Array.from({ length: 100 }, (_, i) => ({ id: randomUUID(), queue, request: { sku: 'A' + i, qty: i, note: 'hello world' }, sentBy: 'bench', createdAt: now, availableAt: now, idempotencyKey: null }))));
    if (batches.length >= 20) await Promise.all(batches.splice(0));
  }
  await Promise.all(batches);
  let ms = performance.now() - t;
  console.log(`batch insert: ${N} msgs in ${ms.toFixed(0)} ms = ${Math.round(N / ms * 1000)} msg/s`);
  const M = 10000;
  let done = 0;
  t = performance.now();
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (done < M) {
      const now = Date.now();
      const [m] = await store.claim(queue, { max: 1, now, leaseExpiresAt: now + 30000 });
      if (!m) break;
      await store.settle(queue, m.id, m.receipt!, { status: 'COMPLETE', now: Date.now(), result: { ok: true }, error: null });
      done++;
    }
  }));
  ms = performance.now() - t;
  console.log(`claim+settle: ${done} cycles (50 concurrent) in ${ms.toFixed(0)} ms = ${Math.round(done / ms * 1000)} cycles/s`);
  // single push one by one with 50 concurrent
  t = performance.now();
  let pushed = 0;
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (pushed < 10000) { pushed++; const now = Date.now(); await store.insert([{ id: randomUUID(), queue, request: { a: 1 }, sentBy: null, createdAt: now, availableAt: now, idempotencyKey: null }]); }
  }));
  ms = performance.now() - t;
  console.log(`single push: ${pushed} (50 concurrent) in ${ms.toFixed(0)} ms = ${Math.round(pushed / ms * 1000)} msg/s`);
  const size = fs.statSync(path.join(dir, 'queues', 'bench.journal')).size;
  console.log('journal bytes', size);
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
main();
