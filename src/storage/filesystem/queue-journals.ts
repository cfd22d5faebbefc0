import { Logger } from '@nestjs/common';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DomainError } from '@app/common/domain-error';
import { HEADER_BYTES } from '@app/storage/filesystem/journal-format';
import { Journal, type WrittenCallback } from '@app/storage/filesystem/journal';
import { fsyncDirectory } from '@app/storage/filesystem/atomic-file';
import { PRIVATE_DIR } from '@app/common/file-modes';
import type { PayloadRef } from '@app/storage/filesystem/payload-ref';
import type { PayloadStore } from '@app/storage/filesystem/payload-store';
import { QueueState } from '@app/storage/filesystem/queue-state';
import type { JournalRecord } from '@app/storage/filesystem/journal-record';

/** One queue of the filesystem engine: its in-memory index and its journal. */
export interface QueueHandle {
  name: string;
  state: QueueState;
  journal: Journal | null;
  opening: Promise<Journal> | null;
  compacting: Promise<void> | null;
  /** set while a failed journal is being reloaded, or for good when reloading failed */
  unavailable: Error | null;
  /** journal size right after the last compaction */
  compactedSize: number;
}

const JOURNAL_SUFFIX = '.journal';

/**
 * The queues of the filesystem engine and their journals under DATA_DIR/queues: replayed at
 * start, created on a queue's first write, reloaded after a failed write, removed when the queue
 * is purged, closed on shutdown.
 */
export class QueueJournals {
  private readonly logger = new Logger('FilesystemStore');
  private readonly queues = new Map<string, QueueHandle>();
  private readonly queuesDir: string;
  /** journals of purged queues still being closed and removed: a new journal under the same name waits for them */
  private readonly removing = new Map<string, Promise<void>>();

  constructor(
    private readonly dataDir: string,
    private readonly payloads: PayloadStore,
  ) {
    this.queuesDir = path.join(dataDir, 'queues');
  }

  /** Replays every queue journal of the data directory (creating the queues directory if needed). */
  async openAll(): Promise<void> {
    if (!(await fsp.stat(this.queuesDir).catch(() => null))) {
      await fsp.mkdir(this.queuesDir, { recursive: true, mode: PRIVATE_DIR });
      await fsyncDirectory(this.dataDir);
    }
    for (const entry of await fsp.readdir(this.queuesDir)) {
      if (!entry.endsWith(JOURNAL_SUFFIX)) continue;
      let name: string;
      try {
        name = decodeURIComponent(entry.slice(0, -JOURNAL_SUFFIX.length));
      } catch {
        this.logger.warn({ file: path.join(this.queuesDir, entry) }, 'ignored a file that is not named like a queue journal');
        continue;
      }
      const handle = this.emptyHandle(name);
      await this.load(handle);
      this.queues.set(name, handle);
    }
  }

  get(queue: string): QueueHandle | undefined {
    return this.queues.get(queue);
  }

  getOrCreate(queue: string): QueueHandle {
    let handle = this.queues.get(queue);
    if (!handle) {
      handle = this.emptyHandle(queue);
      this.queues.set(queue, handle);
    }
    return handle;
  }

  all(): IterableIterator<QueueHandle> {
    return this.queues.values();
  }

  journalOf(handle: QueueHandle): Journal {
    if (handle.unavailable)
      throw new DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} cannot be written: ${handle.unavailable.message}`);
    if (!handle.journal) throw new DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} is not open`);
    return handle.journal;
  }

  /** The queue's journal, created on the first write to a new queue. */
  async writable(handle: QueueHandle): Promise<void> {
    if (handle.journal || handle.unavailable) return;
    handle.opening ??= (async () => {
      await this.removing.get(handle.name)?.catch(() => undefined);
      await fsp.mkdir(this.queuesDir, { recursive: true, mode: PRIVATE_DIR });
      const { journal } = await Journal.open(this.fileOf(handle.name));
      await fsyncDirectory(this.queuesDir);
      handle.journal = journal;
      return journal;
    })().finally(() => {
      handle.opening = null;
    });
    try {
      await handle.opening;
    } catch (error) {
      this.logger.error({ queue: handle.name, err: error as Error }, 'cannot create a queue journal');
      throw new DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} cannot be created`);
    }
  }

  /** Appends a record and resolves once it is durable; a failed write makes the queue reload its journal. */
  async append(handle: QueueHandle, journal: Journal, payload: string | Buffer, onWritten?: WrittenCallback): Promise<void> {
    try {
      await journal.append(payload, onWritten);
    } catch (error) {
      this.onWriteFailure(handle, journal, error as Error);
      throw new DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} could not be written`);
    }
  }

  /**
   * Appends a record and resolves once everything appended before it is durable, without waiting
   * for the record itself; a failed write of it still makes the queue reload its journal.
   */
  async appendBehind(handle: QueueHandle, journal: Journal, payload: string | Buffer): Promise<void> {
    const { previous, own } = journal.appendBehind(payload);
    own.catch((error: Error) => this.onWriteFailure(handle, journal, error));
    try {
      await previous;
    } catch (error) {
      this.onWriteFailure(handle, journal, error as Error);
      throw new DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} could not be written`);
    }
  }

  /** Waits until everything already appended (e.g. the first message of a replayed key) is durable. */
  async durable(handle: QueueHandle, journal: Journal): Promise<void> {
    try {
      await journal.barrier();
    } catch {
      throw new DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} could not be written`);
    }
  }

  /**
   * Forgets a queue and removes its journal with everything in it (messages, idempotency keys,
   * key-value entries, payloads). Writes still in flight on the old journal settle first; later
   * calls start from an empty queue.
   */
  async remove(handle: QueueHandle): Promise<void> {
    const queue = handle.name;
    this.queues.delete(queue);
    handle.unavailable ??= new Error(`queue ${queue} was deleted`);
    const removing = this.removeJournal(handle).finally(() => {
      if (this.removing.get(queue) === removing) this.removing.delete(queue);
    });
    this.removing.set(queue, removing);
    await removing;
  }

  async closeAll(): Promise<void> {
    for (const handle of this.queues.values()) {
      await handle.compacting?.catch(() => undefined);
      await handle.journal?.close().catch(() => undefined);
    }
    this.queues.clear();
  }

  private async removeJournal(handle: QueueHandle): Promise<void> {
    await this.removing.get(handle.name);
    await handle.opening?.catch(() => undefined);
    await handle.compacting?.catch(() => undefined);
    await handle.journal?.close().catch(() => undefined);
    this.payloads.forget(handle.state);
    const file = this.fileOf(handle.name);
    await fsp.rm(`${file}.compact`, { force: true });
    await fsp.rm(file, { force: true });
    await fsyncDirectory(this.queuesDir);
  }

  private emptyHandle(name: string): QueueHandle {
    return { name, state: new QueueState(), journal: null, opening: null, compacting: null, unavailable: null, compactedSize: 0 };
  }

  private fileOf(queue: string): string {
    return path.join(this.queuesDir, `${encodeURIComponent(queue)}${JOURNAL_SUFFIX}`);
  }

  private async load(handle: QueueHandle): Promise<void> {
    const state = new QueueState();
    const refs: PayloadRef[] = [];
    let index = 0;
    const { journal } = await Journal.open(this.fileOf(handle.name), (payload, size, offset) => {
      try {
        state.apply(this.payloads.locateReplayed(payload as JournalRecord, size, offset + HEADER_BYTES, refs), size);
      } catch (error) {
        this.logger.error({ queue: handle.name, record: index, err: error as Error }, 'ignored an unreadable journal record');
      }
      index++;
    });
    for (const ref of refs) ref.gen = journal.generation;
    handle.state = state;
    handle.journal = journal;
  }

  /**
   * A write failed: the in-memory state may hold changes that are not on disk. The queue refuses
   * work while its journal is cut back to the last durable record and replayed.
   */
  private onWriteFailure(handle: QueueHandle, journal: Journal, error: Error): void {
    if (handle.unavailable || handle.journal !== journal) return;
    handle.unavailable = error;
    void (async () => {
      try {
        await journal.truncateToDurable();
        await journal.close().catch(() => undefined);
        await this.load(handle);
        handle.unavailable = null;
        this.logger.warn({ queue: handle.name }, 'queue reloaded from its journal after a failed write');
      } catch (reloadError) {
        this.logger.error({ queue: handle.name, err: reloadError as Error }, 'queue stays unavailable');
      }
    })();
  }
}
