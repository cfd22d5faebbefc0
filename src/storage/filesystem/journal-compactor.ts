import { Logger } from '@nestjs/common';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { HEADER_BYTES, frameRecord } from '@app/storage/filesystem/journal-format';
import type { Journal } from '@app/storage/filesystem/journal';
import { PayloadRef } from '@app/storage/filesystem/payload-ref';
import { PAYLOAD_FIELDS, batchBody, type PayloadStore } from '@app/storage/filesystem/payload-store';
import type { QueueHandle } from '@app/storage/filesystem/queue-journals';

export interface CompactionPolicy {
  /** a journal is compacted once it is at least this big ... */
  minBytes: number;
  /** ... and holds more than this many times the bytes of its live state */
  garbageRatio: number;
}

export const DEFAULT_COMPACTION_POLICY: CompactionPolicy = { minBytes: 4 * 1024 * 1024, garbageRatio: 2 };

const SNAPSHOT_CHUNK_BYTES = 1 << 20;
const SNAPSHOT_READ_BATCH = 64;

/**
 * Rewrites a queue's journal with only its live state (a header with the next seq, the live
 * messages in seq order as batch records, the key-value entries), when the policy says the
 * journal holds mostly garbage or when asked (purge, delete).
 */
export class JournalCompactor {
  private readonly logger = new Logger('FilesystemStore');

  constructor(
    private readonly payloads: PayloadStore,
    private readonly policy: CompactionPolicy,
  ) {}

  /** Starts a compaction in the background if the journal has grown past the policy's bounds. */
  maybeCompact(handle: QueueHandle, journal: Journal): void {
    if (handle.compacting || handle.unavailable || journal.size < this.policy.minBytes) return;
    // liveBytes is an estimate (it leaves out results); the size after the last compaction bounds
    // it from below, so a queue that only grows is rewritten each time it doubles, not constantly
    if (journal.size <= this.policy.garbageRatio * Math.max(handle.state.liveBytes, handle.compactedSize)) return;
    this.compact(handle).catch((error) => this.logger.error({ queue: handle.name, err: error as Error }, 'journal compaction failed'));
  }

  /**
   * Rewrites a queue's journal with only its live state. Runs beside writers; resolves when the
   * new file has replaced the old one. Concurrent calls share one run.
   */
  compact(handle: QueueHandle): Promise<void> {
    if (!handle.journal) return Promise.resolve();
    if (handle.compacting) return handle.compacting;
    const journal = handle.journal;
    const state = handle.state;
    const snapshotAt = journal.position;
    // the messages as of the snapshot; their payload refs point into the old file (or hold the
    // value until written) and stay valid until the swap
    const entries = state.liveInOrder().map((slot) => ({ slot, msg: { ...slot.msg }, off: -1, len: 0, group: [] as PayloadRef[] }));
    const kv = [...state.kv.entries()];
    const nextSeq = state.nextSeq;
    const run = journal
      .compact(
        snapshotAt,
        async (write) => {
          await write([frameRecord(JSON.stringify({ t: 'h', seq: nextSeq }))]);
          let parts: Buffer[] = [];
          let owners: typeof entries = [];
          let bytes = 0;
          const flush = async () => {
            if (!parts.length) return;
            const { body, starts } = batchBody(parts);
            const at = await write([frameRecord(body)]);
            const group: PayloadRef[] = [];
            owners.forEach((entry, i) => {
              entry.off = at + HEADER_BYTES + starts[i];
              entry.len = parts[i].length;
              entry.group = group;
            });
            parts = [];
            owners = [];
            bytes = 0;
            await yieldToLoop();
          };
          for (let i = 0; i < entries.length; i += SNAPSHOT_READ_BATCH) {
            const batch = entries.slice(i, i + SNAPSHOT_READ_BATCH);
            const full = await Promise.all(batch.map((entry) => this.payloads.view(handle.name, journal, entry.msg)));
            for (let k = 0; k < batch.length; k++) {
              const part = Buffer.from(JSON.stringify(full[k]), 'utf8');
              parts.push(part);
              owners.push(batch[k]);
              bytes += part.length;
              if (bytes >= SNAPSHOT_CHUNK_BYTES) await flush();
            }
          }
          await flush();
          const kvRecords = kv.map(([k, v]) => frameRecord(JSON.stringify({ t: 'k', k, v })));
          if (kvRecords.length) await write(kvRecords);
        },
        (gen) => {
          // payloads unchanged since the snapshot now live in the snapshot's copy of the message
          for (const entry of entries) {
            if (entry.off < 0 || entry.slot.deleted) continue;
            for (const field of PAYLOAD_FIELDS) {
              const ref = entry.msg[field];
              if (!(ref instanceof PayloadRef) || entry.slot.msg[field] !== ref) continue;
              ref.locate(gen, entry.off, entry.len, field, -1);
              // read-ahead now follows the snapshot's records (and no longer keeps deleted neighbours alive)
              ref.group = entry.group;
              entry.group.push(ref);
            }
          }
        },
      )
      .then(({ before, after }) => {
        handle.compactedSize = after;
        this.logger.log({ queue: handle.name, bytesBefore: before, bytesAfter: after }, 'compacted a queue journal');
      })
      .finally(() => {
        handle.compacting = null;
      });
    handle.compacting = run;
    return run;
  }
}
