/**
 * A store-level writer for the crash tests: opens the filesystem store on DATA_DIR and writes
 * as fast as it can (batches, some of them large, plus settles), printing `ACK <id> <n>` once an
 * insert resolved and `DONE <id>` once a settle resolved. The test kills it with SIGKILL.
 */
import { randomUUID } from 'node:crypto';
import { SystemClock } from '@app/common/clock';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';

export const WRITER_QUEUE = 'crash-writer';

/** The request of message number n: some are 150 KB and more. */
export function writerRequest(n: number): { n: number; blob: string } {
  return { n, blob: (n % 7 === 0 ? 'L' : 's').repeat(n % 7 === 0 ? 150 * 1024 + n : 16 + (n % 50)) };
}

async function main(): Promise<void> {
  const store = new FilesystemMessageStore(process.env.DATA_DIR!, new SystemClock(), { compactMinBytes: 2 * 1024 * 1024 });
  await store.open();
  let next = 0;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const writer = async () => {
    for (;;) {
      const size = 1 + (next % 40);
      const now = Date.now();
      const batch = Array.from({ length: size }, () => {
        const n = next++;
        return { id: randomUUID(), queue: WRITER_QUEUE, request: writerRequest(n), sentBy: null, createdAt: now, availableAt: now, idempotencyKey: null };
      });
      const outcomes = await store.insert(batch);
      out(outcomes.map((o) => `ACK ${o.message.id} ${(o.message.request as { n: number }).n}`).join('\n'));
      const claimed = await store.claim(WRITER_QUEUE, { max: 3, now: Date.now(), leaseExpiresAt: Date.now() + 60_000 });
      for (const m of claimed) {
        await store.settle(WRITER_QUEUE, m.id, m.receipt!, { status: 'COMPLETE', now: Date.now(), result: { ok: m.id } });
        out(`DONE ${m.id}`);
      }
    }
  };
  out('READY');
  await Promise.all(Array.from({ length: 6 }, writer));
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`journal-writer failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
