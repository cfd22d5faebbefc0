import { Logger } from '@nestjs/common';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { frameRecord, scanRecords } from '@app/storage/filesystem/journal-format';

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

interface Batch {
  /** index of the first record of the batch; records are numbered in append order */
  first: number;
  buffers: Buffer[];
  bytes: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function newBatch(first: number): Batch {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // a batch nobody awaits (e.g. a compaction-only flush) must not raise an unhandled rejection
  promise.catch(() => undefined);
  return { first, buffers: [], bytes: 0, promise, resolve, reject };
}

export interface JournalOpenResult {
  journal: Journal;
  payloads: unknown[];
  sizes: number[];
}

/** Writes a compacted image: the callback calls `write` with framed records in order. */
export type SnapshotWriter = (write: (records: Buffer[]) => Promise<void>) => Promise<void>;

/**
 * An append-only file of checksummed records with group commit: records appended while a
 * write + fdatasync is in flight are written together by the next one, so many concurrent
 * writers share one fsync. `append` resolves once the record is durable.
 */
export class Journal {
  private static readonly logger = new Logger('Journal');

  private nextIndex = 0;
  private open_: Batch;
  private flushing: Promise<void> | null = null;
  private paused = false;
  private capture: Array<{ first: number; buffers: Buffer[] }> | null = null;
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    readonly file: string,
    private handle: FileHandle,
    private size_: number,
  ) {
    this.open_ = newBatch(0);
  }

  /** Opens (creating) a journal, truncating a torn tail and skipping damaged records, and returns its records. */
  static async open(file: string): Promise<JournalOpenResult> {
    await fsp.rm(`${file}.compact`, { force: true });
    let created = false;
    let handle: FileHandle;
    try {
      handle = await fsp.open(file, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      handle = await fsp.open(file, 'w+');
      created = true;
    }
    try {
      const data = created ? Buffer.alloc(0) : await handle.readFile();
      const scan = scanRecords(data);
      for (const range of scan.skipped) {
        Journal.logger.error(`${file}: skipped a damaged record of ${range.length} bytes at offset ${range.offset} (checksum mismatch); valid records after it were kept`);
      }
      if (scan.tailBytes > 0) {
        Journal.logger.warn(`${file}: truncated a torn tail of ${scan.tailBytes} bytes at offset ${scan.validLength} (an interrupted write)`);
        await handle.truncate(scan.validLength);
        await handle.sync();
      }
      if (created) {
        await handle.sync();
        await fsyncDirectory(path.dirname(file));
      }
      return { journal: new Journal(file, handle, scan.validLength), payloads: scan.payloads, sizes: scan.sizes };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Bytes in the file (durable and in flight). */
  get size(): number {
    return this.size_;
  }

  get broken(): Error | null {
    return this.failure;
  }

  /** Number of records appended so far; a snapshot taken now covers records below this index. */
  get position(): number {
    return this.nextIndex;
  }

  /** Appends a record; resolves when it is on disk. */
  append(payload: string | Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`journal ${this.file} is closed`));
    const record = frameRecord(payload);
    const batch = this.open_;
    batch.buffers.push(record);
    batch.bytes += record.length;
    this.nextIndex++;
    this.kick();
    return batch.promise;
  }

  /** Resolves when everything appended so far is durable. */
  async barrier(): Promise<void> {
    if (this.open_.buffers.length) await this.open_.promise;
    while (this.flushing) await this.flushing;
  }

  private kick(): void {
    if (this.flushing || this.paused) return;
    this.flushing = Promise.resolve().then(() => this.flushLoop());
  }

  private async flushLoop(): Promise<void> {
    try {
      while (!this.paused && this.open_.buffers.length && !this.failure) {
        const batch = this.open_;
        this.open_ = newBatch(this.nextIndex);
        try {
          await this.writeAll(this.handle, batch.buffers, this.size_, batch.bytes);
          await this.handle.datasync();
          this.size_ += batch.bytes;
          this.capture?.push({ first: batch.first, buffers: batch.buffers });
          batch.resolve();
        } catch (error) {
          this.fail(error as Error, batch);
        }
      }
    } finally {
      this.flushing = null;
    }
    if (!this.paused && this.open_.buffers.length && !this.failure) this.kick();
  }

  private async writeAll(handle: FileHandle, buffers: Buffer[], position: number, bytes: number): Promise<void> {
    const { bytesWritten } = await handle.writev(buffers, position);
    if (bytesWritten !== bytes) throw new Error(`short write to ${this.file}: ${bytesWritten} of ${bytes} bytes`);
  }

  private fail(error: Error, batch: Batch): void {
    this.failure = error;
    Journal.logger.error(`${this.file}: write failed (${error.message}); the queue is unavailable until it is reloaded`);
    batch.reject(error);
    this.open_.reject(error);
    this.open_ = newBatch(this.nextIndex);
  }

  /** Cuts the file back to its last durable size after a failed write (before reloading it). */
  async truncateToDurable(): Promise<void> {
    await this.handle.truncate(this.size_);
    await this.handle.sync();
  }

  /**
   * Rewrites the journal: `writeSnapshot` writes the state as of record index `snapshotAt`
   * (taken synchronously by the caller) to a new file while writers go on appending to the old
   * one; then the records appended since are copied over, the file is fsynced and atomically
   * renamed over the journal, and the directory is fsynced. Writers wait only for that last step.
   */
  async compact(snapshotAt: number, writeSnapshot: SnapshotWriter): Promise<{ before: number; after: number }> {
    if (this.failure || this.closed) throw this.failure ?? new Error('journal closed');
    const before = this.size_;
    const tmpFile = `${this.file}.compact`;
    // from now on flushed batches are kept, so the records after the snapshot can be copied over
    this.capture = [];
    let tmp: FileHandle | null = null;
    let tmpSize = 0;
    let renamed = false;
    let pending: Batch | null = null;
    try {
      tmp = await fsp.open(tmpFile, 'w');
      const target = tmp;
      await writeSnapshot(async (records) => {
        const bytes = records.reduce((n, r) => n + r.length, 0);
        await this.writeAll(target, records, tmpSize, bytes);
        tmpSize += bytes;
      });
      // stop the flusher, then move the records appended since the snapshot over
      this.paused = true;
      while (this.flushing) await this.flushing;
      if (this.failure) throw this.failure;
      // records appended from here on wait in a new batch, written to the new file after the swap
      pending = this.open_;
      this.open_ = newBatch(this.nextIndex);
      const tail: Buffer[] = [];
      for (const flushed of this.capture) flushed.buffers.forEach((b, i) => flushed.first + i >= snapshotAt && tail.push(b));
      const frozen = pending;
      frozen.buffers.forEach((b, i) => frozen.first + i >= snapshotAt && tail.push(b));
      const tailBytes = tail.reduce((n, r) => n + r.length, 0);
      if (tail.length) await this.writeAll(tmp, tail, tmpSize, tailBytes);
      tmpSize += tailBytes;
      await tmp.datasync();
      await fsp.rename(tmpFile, this.file);
      renamed = true;
      await fsyncDirectory(path.dirname(this.file));
      const old = this.handle;
      this.handle = tmp;
      this.size_ = tmpSize;
      frozen.resolve();
      await old.close().catch(() => undefined);
      return { before, after: tmpSize };
    } catch (error) {
      if (renamed) {
        // the new file is in place but its durability is unknown: stop rather than guess
        pending?.reject(error as Error);
        this.fail(error as Error, this.open_);
      } else {
        await tmp?.close().catch(() => undefined);
        await fsp.rm(tmpFile, { force: true }).catch(() => undefined);
        if (pending) this.requeueBefore(pending);
      }
      throw error;
    } finally {
      this.capture = null;
      this.paused = false;
      if (this.open_.buffers.length) this.kick();
    }
  }

  /** Puts a batch taken out for a failed compaction back in front of the open one. */
  private requeueBefore(batch: Batch): void {
    const later = this.open_;
    const merged = newBatch(batch.first);
    merged.buffers = [...batch.buffers, ...later.buffers];
    merged.bytes = batch.bytes + later.bytes;
    merged.promise.then(
      () => {
        batch.resolve();
        later.resolve();
      },
      (error: Error) => {
        batch.reject(error);
        later.reject(error);
      },
    );
    this.open_ = merged;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.barrier().catch(() => undefined);
    this.closed = true;
    await this.handle.close();
  }
}
