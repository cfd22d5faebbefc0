import { Logger } from '@nestjs/common';
import { constants as fsc, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { PRIVATE_FILE } from '@app/common/file-modes';
import { frameRecord, type RecordVisitor } from '@app/storage/filesystem/journal-format';
import { scanFile } from '@app/storage/filesystem/journal-scan';
import { fsyncDirectory } from '@app/storage/filesystem/atomic-file';

/**
 * Where the platform has O_DSYNC (Linux, macOS), the journal is opened with it: each write returns
 * once its data is on disk, as a write followed by fdatasync would, in one system call and one
 * trip through libuv's thread pool instead of two. Elsewhere every write is followed by fdatasync.
 */
const O_DSYNC: number | undefined = fsc.O_DSYNC;
const APPEND_FLAGS = fsc.O_RDWR | (O_DSYNC ?? 0);
const CREATE_FLAGS = APPEND_FLAGS | fsc.O_CREAT | fsc.O_TRUNC;

/**
 * Told where a record lies once it is durable: the file generation and the record's offset in
 * that file. Called again with the new place when a compaction copies the record to a new file.
 */
export type WrittenCallback = (generation: number, offset: number) => void;

interface Batch {
  /** index of the first record of the batch; records are numbered in append order */
  first: number;
  buffers: Buffer[];
  callbacks: Array<WrittenCallback | undefined>;
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
  return { first, buffers: [], callbacks: [], bytes: 0, promise, resolve, reject };
}

export interface JournalOpenResult {
  journal: Journal;
  payloads: unknown[];
  sizes: number[];
  offsets: number[];
}

/**
 * Writes a compacted image: the callback calls `write` with framed records in order; `write`
 * resolves with the offset of the first of them in the new file.
 */
export type SnapshotWriter = (write: (records: Buffer[]) => Promise<number>) => Promise<void>;

/**
 * An append-only file of checksummed records with group commit: records appended while a
 * write + fdatasync is in flight are written together by the next one, so many concurrent
 * writers share one fsync. `append` resolves once the record is durable.
 */
export class Journal {
  private static readonly logger = new Logger('Journal');
  private static generations = 0;

  /** identifies the file behind `handle`; changes when a compaction swaps the file */
  private generation_ = ++Journal.generations;
  private nextIndex = 0;
  private open_: Batch;
  private flushing: Promise<void> | null = null;
  /** the batch being written, or held back by a compaction until the swap */
  private unwritten: Batch | null = null;
  private paused = false;
  private capture: Array<{ first: number; buffers: Buffer[]; callbacks: Array<WrittenCallback | undefined> }> | null = null;
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    readonly file: string,
    private handle: FileHandle,
    private size_: number,
  ) {
    this.open_ = newBatch(0);
  }

  /**
   * Opens (creating) a journal, truncating a torn tail and skipping damaged records, and returns
   * its records (or hands them to `visit` one by one, so they need not all be held at once).
   */
  static async open(file: string, visit?: RecordVisitor): Promise<JournalOpenResult> {
    await fsp.rm(`${file}.compact`, { force: true });
    let created = false;
    let handle: FileHandle;
    try {
      handle = await fsp.open(file, APPEND_FLAGS);
      await handle.chmod(PRIVATE_FILE).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      handle = await fsp.open(file, CREATE_FLAGS, PRIVATE_FILE);
      created = true;
    }
    try {
      const scan = await scanFile(handle, visit);
      for (const range of scan.skipped) {
        Journal.logger.error(
          `${file}: skipped a damaged record of ${range.length} bytes at offset ${range.offset} (checksum mismatch); valid records after it were kept`,
        );
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
      return { journal: new Journal(file, handle, scan.validLength), payloads: scan.payloads, sizes: scan.sizes, offsets: scan.offsets };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Bytes in the file (durable and in flight). */
  get size(): number {
    return this.size_;
  }

  /** The generation of the current file (see `WrittenCallback`). */
  get generation(): number {
    return this.generation_;
  }

  get broken(): Error | null {
    return this.failure;
  }

  /** Number of records appended so far; a snapshot taken now covers records below this index. */
  get position(): number {
    return this.nextIndex;
  }

  /**
   * Appends a record; resolves when it is on disk. `onWritten` learns where the record lies
   * (synchronously, before the promise resolves) and where a compaction moves it.
   */
  append(payload: string | Buffer, onWritten?: WrittenCallback): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`journal ${this.file} is closed`));
    const record = frameRecord(payload);
    const batch = this.open_;
    batch.buffers.push(record);
    batch.callbacks.push(onWritten);
    batch.bytes += record.length;
    this.nextIndex++;
    this.kick();
    return batch.promise;
  }

  /**
   * Appends a record without waiting for it: `previous` resolves once every record appended
   * before it is durable, `own` once the record itself is.
   */
  appendBehind(payload: string | Buffer, onWritten?: WrittenCallback): { previous: Promise<void>; own: Promise<void> } {
    const previous = this.durable();
    const own = this.append(payload, onWritten);
    return { previous: this.failure || this.closed ? own : previous, own };
  }

  /**
   * Reads `length` bytes at `offset` of the file of `generation`. The read is issued at once
   * (synchronously), so a compaction that swaps the file meanwhile closes the old file only after
   * it; a location of a replaced file is refused rather than read from the wrong file.
   */
  readAt(generation: number, offset: number, length: number): Promise<Buffer> {
    if (generation !== this.generation_)
      return Promise.reject(new Error(`${this.file}: stale location (file generation ${generation}, now ${this.generation_})`));
    if (this.closed) return Promise.reject(new Error(`journal ${this.file} is closed`));
    const buffer = Buffer.allocUnsafe(length);
    return this.handle.read(buffer, 0, length, offset).then(({ bytesRead }) => {
      if (bytesRead !== length) throw new Error(`short read from ${this.file}: ${bytesRead} of ${length} bytes at ${offset}`);
      return buffer;
    });
  }

  /** Resolves once every record appended so far is durable, without waiting for records appended later. */
  durable(): Promise<void> {
    return this.open_.buffers.length ? this.open_.promise : (this.unwritten?.promise ?? Promise.resolve());
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
        this.unwritten = batch;
        try {
          await this.writeAll(this.handle, batch.buffers, this.size_, batch.bytes);
          if (O_DSYNC === undefined) await this.handle.datasync();
          Journal.located(batch.buffers, batch.callbacks, this.generation_, this.size_);
          this.size_ += batch.bytes;
          this.capture?.push({ first: batch.first, buffers: batch.buffers, callbacks: batch.callbacks });
          batch.resolve();
        } catch (error) {
          this.fail(error as Error, batch);
        } finally {
          this.unwritten = null;
        }
      }
    } finally {
      this.flushing = null;
    }
    if (!this.paused && this.open_.buffers.length && !this.failure) this.kick();
  }

  /** Tells each record's callback where it now lies, the records being contiguous from `position`. */
  private static located(buffers: Buffer[], callbacks: Array<WrittenCallback | undefined>, generation: number, position: number): void {
    let at = position;
    buffers.forEach((buffer, i) => {
      callbacks[i]?.(generation, at);
      at += buffer.length;
    });
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
   * In the same synchronous step as the swap, the copied records' callbacks learn their new
   * place and `onSwap` gets the new file generation (to relocate what the snapshot wrote).
   */
  async compact(snapshotAt: number, writeSnapshot: SnapshotWriter, onSwap?: (generation: number) => void): Promise<{ before: number; after: number }> {
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
      // read and write: it becomes the journal, from which payloads are read back
      tmp = await fsp.open(tmpFile, 'w+', PRIVATE_FILE);
      const target = tmp;
      await writeSnapshot(async (records) => {
        const bytes = records.reduce((n, r) => n + r.length, 0);
        const at = tmpSize;
        await this.writeAll(target, records, at, bytes);
        tmpSize = at + bytes;
        return at;
      });
      // stop the flusher, then move the records appended since the snapshot over
      this.paused = true;
      while (this.flushing) await this.flushing;
      // the flusher may have set the failure during the await; TypeScript still narrows it to null
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (this.failure) throw this.failure;
      // records appended from here on wait in a new batch, written to the new file after the swap
      pending = this.open_;
      this.open_ = newBatch(this.nextIndex);
      this.unwritten = pending;
      const tail: Buffer[] = [];
      const tailCallbacks: Array<WrittenCallback | undefined> = [];
      const keep = (batch: { first: number; buffers: Buffer[]; callbacks: Array<WrittenCallback | undefined> }) =>
        batch.buffers.forEach((b, i) => {
          if (batch.first + i < snapshotAt) return;
          tail.push(b);
          tailCallbacks.push(batch.callbacks[i]);
        });
      for (const flushed of this.capture) keep(flushed);
      const frozen = pending;
      keep(frozen);
      const tailBytes = tail.reduce((n, r) => n + r.length, 0);
      const tailAt = tmpSize;
      if (tail.length) await this.writeAll(tmp, tail, tmpSize, tailBytes);
      tmpSize += tailBytes;
      await tmp.datasync();
      if (O_DSYNC !== undefined) {
        // the appends that follow the swap go through a handle opened as the journal's is
        const appender = await fsp.open(tmpFile, APPEND_FLAGS);
        await tmp.close().catch(() => undefined);
        tmp = appender;
      }
      await fsp.rename(tmpFile, this.file);
      renamed = true;
      await fsyncDirectory(path.dirname(this.file));
      const old = this.handle;
      this.handle = tmp;
      this.size_ = tmpSize;
      this.generation_ = ++Journal.generations;
      Journal.located(tail, tailCallbacks, this.generation_, tailAt);
      onSwap?.(this.generation_);
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
      if (this.unwritten === pending) this.unwritten = null;
      this.paused = false;
      if (this.open_.buffers.length) this.kick();
    }
  }

  /** Puts a batch taken out for a failed compaction back in front of the open one. */
  private requeueBefore(batch: Batch): void {
    const later = this.open_;
    const merged = newBatch(batch.first);
    merged.buffers = [...batch.buffers, ...later.buffers];
    merged.callbacks = [...batch.callbacks, ...later.callbacks];
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
