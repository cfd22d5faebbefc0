import { Logger } from '@nestjs/common';
import { DomainError } from '@app/common/domain-error';
import type { StoredMessage } from '@app/domain/message';
import { HEADER_BYTES } from '@app/storage/filesystem/journal-format';
import type { Journal, WrittenCallback } from '@app/storage/filesystem/journal';
import { MISS, PayloadCache, PayloadRef } from '@app/storage/filesystem/payload-ref';
import type { QueueState } from '@app/storage/filesystem/queue-state';
import type { JournalRecord } from '@app/storage/filesystem/journal-record';

/** Payload memory of one queue's in-memory index (see `PayloadStore.footprint`). */
export interface PayloadFootprint {
  messages: number;
  /** payloads only referenced by their place in the journal */
  refs: number;
  /** referenced payloads still held because their record is not written yet */
  unwritten: number;
  /** JSON bytes of the payloads held inline (small ones) */
  inlineBytes: number;
}

/** a payload read from the journal brings along the uncached payloads of its batch that follow it within this many bytes */
const READ_AHEAD_BYTES = 1024 * 1024;
/** messages (and settle records) whose JSON is at most this long keep their payloads in memory */
export const DEFAULT_INLINE_PAYLOAD_BYTES = 512;
export const DEFAULT_PAYLOAD_CACHE_BYTES = 8 * 1024 * 1024;

export type PayloadField = 'request' | 'result' | 'error' | 'deadLetter';
export const PAYLOAD_FIELDS: readonly PayloadField[] = ['request', 'result', 'error', 'deadLetter'];
/** `{"t":"i","ms":[` — the messages of a batch record start after it */
const BATCH_PREFIX = Buffer.from('{"t":"i","ms":[');
const BATCH_SUFFIX = Buffer.from(']}');
const COMMA = Buffer.from(',');

/** A payload's place inside a record body, set on the ref once the record is written. */
interface Span {
  ref: PayloadRef;
  start: number;
  len: number;
}

function locator(spans: Span[], onFirst?: (ref: PayloadRef, value: unknown) => void): WrittenCallback {
  return (gen, offset) => {
    for (const { ref, start, len } of spans) {
      const pending = !ref.written;
      const value = ref.locate(gen, offset + HEADER_BYTES + start, len);
      if (pending) onFirst?.(ref, value);
    }
  };
}

/** Builds a batch record body from message JSON buffers; returns each message's start. */
export function batchBody(parts: Buffer[]): { body: Buffer; starts: number[] } {
  const chunks: Buffer[] = [BATCH_PREFIX];
  const starts: number[] = [];
  let at = BATCH_PREFIX.length;
  parts.forEach((part, i) => {
    if (i > 0) {
      chunks.push(COMMA);
      at += 1;
    }
    starts.push(at);
    chunks.push(part);
    at += part.length;
  });
  chunks.push(BATCH_SUFFIX);
  return { body: Buffer.concat(chunks, at + BATCH_SUFFIX.length), starts };
}

/**
 * The payloads (request, result, error, dead-letter info) of the filesystem engine's messages:
 * small ones stay inline in the in-memory index, large ones are `PayloadRef`s to their place in
 * the queue's journal, read back on demand through an LRU cache shared by all queues.
 */
export class PayloadStore {
  private readonly logger = new Logger('FilesystemStore');
  private readonly cache: PayloadCache;
  /** payload reads in flight, so concurrent calls (and read-ahead) do not read the same bytes twice */
  private readonly reading = new Map<PayloadRef, Promise<unknown>>();

  constructor(
    cacheBytes: number,
    /** messages (and settle records) whose JSON is at most this long keep their payloads in memory */
    readonly inlineBytes: number,
  ) {
    this.cache = new PayloadCache(cacheBytes);
  }

  /** Bytes of payloads held by the read cache. */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  clear(): void {
    this.cache.clear();
  }

  /** Refs that keep a new message's non-null payloads out of memory once it is written. */
  holdPayloads(message: StoredMessage, size: number): PayloadRef[] {
    const refs: PayloadRef[] = [];
    for (const field of ['request', 'deadLetter'] as const) {
      const value = message[field];
      if (value === null || value === undefined) continue;
      const ref = new PayloadRef(field, -1, value, size);
      refs.push(ref);
      (message as unknown as Record<string, unknown>)[field] = ref;
    }
    return refs;
  }

  /**
   * The body of a batch insert record of the messages' JSON `parts`, and the callback that
   * locates the `held` refs (by index in `parts`) once it is written.
   */
  batchRecord(parts: string[], held: Array<{ part: number; refs: PayloadRef[] }>): { payload: string; onWritten?: WrittenCallback } {
    const payload = `{"t":"i","ms":[${parts.join(',')}]}`;
    if (!held.length) return { payload };
    // byte offsets of the messages in the record: the prefix, then the parts joined by ','
    const starts: number[] = [];
    const lengths: number[] = [];
    let at = BATCH_PREFIX.length;
    for (const part of parts) {
      const len = Buffer.byteLength(part, 'utf8');
      starts.push(at);
      lengths.push(len);
      at += len + 1;
    }
    const spans = held.flatMap(({ part, refs }) => refs.map((ref) => ({ ref, start: starts[part], len: lengths[part] })));
    const group = spans.map((span) => span.ref);
    for (const ref of group) ref.group = group;
    return { payload, onWritten: locator(spans, (ref, value) => this.cache.set(ref, value)) };
  }

  /**
   * A record as applied to the in-memory index: a settle record whose JSON (`payload`) is large
   * keeps its result and error in the journal, read back from the record's JSON.
   */
  settleRecord(record: JournalRecord, payload: string): { record: JournalRecord; onWritten?: WrittenCallback } {
    if (record.t !== 's' || payload.length <= this.inlineBytes) return { record };
    const len = Buffer.byteLength(payload, 'utf8');
    const spans: Span[] = [];
    const applied: Record<string, unknown> = { ...record };
    for (const key of ['r', 'e'] as const) {
      const value = record[key];
      if (value === null || value === undefined) continue;
      const ref = new PayloadRef(key, -1, value, len);
      spans.push({ ref, start: 0, len });
      applied[key] = ref;
    }
    if (!spans.length) return { record };
    return { record: applied as JournalRecord, onWritten: locator(spans, (ref, value) => this.cache.set(ref, value)) };
  }

  /**
   * Replaces the large payloads of a replayed record by refs to their place in the journal
   * (`body` is the offset of the record's JSON). A message of a batch record is located by
   * serializing it again (JSON.stringify of parsed JSON gives back the same text); if the sizes do
   * not add up, its payloads point at the whole record instead.
   */
  locateReplayed(record: JournalRecord, size: number, body: number, refs: PayloadRef[]): JournalRecord {
    const place = (ref: PayloadRef, off: number, len: number) => {
      ref.off = off;
      ref.len = len;
      refs.push(ref);
    };
    if (record.t === 'i' && Array.isArray(record.ms)) {
      const lengths = record.ms.map((m) => Buffer.byteLength(JSON.stringify(m), 'utf8'));
      const exact = BATCH_PREFIX.length + lengths.reduce((n, l) => n + l, 0) + Math.max(0, lengths.length - 1) + BATCH_SUFFIX.length === size;
      let start = BATCH_PREFIX.length;
      const group: PayloadRef[] = [];
      record.ms.forEach((message, i) => {
        if (lengths[i] > this.inlineBytes) {
          for (const field of PAYLOAD_FIELDS) {
            const value = message[field];
            if (value === null || value === undefined) continue;
            const ref = new PayloadRef(field, exact ? -1 : i, undefined, lengths[i]);
            if (exact) {
              place(ref, body + start, lengths[i]);
              ref.group = group;
              group.push(ref);
            } else {
              place(ref, body, size);
            }
            (message as unknown as Record<string, unknown>)[field] = ref;
          }
        }
        start += lengths[i] + 1;
      });
    } else if (record.t === 's' && size > this.inlineBytes) {
      for (const key of ['r', 'e'] as const) {
        if (record[key] === null || record[key] === undefined) continue;
        const ref = new PayloadRef(key, -1, undefined, size);
        place(ref, body, size);
        (record as Record<string, unknown>)[key] = ref;
      }
    }
    return record;
  }

  /**
   * A copy of a message with its payloads, as of now: the payloads' places are taken and their
   * reads issued in this synchronous step, so a later change or compaction cannot mix them up.
   */
  view(queue: string, journal: Journal | null, msg: StoredMessage): Promise<StoredMessage> {
    const copy = { ...msg };
    const out = copy as unknown as Record<PayloadField, unknown>;
    let reads: Array<Promise<void>> | null = null;
    for (const field of PAYLOAD_FIELDS) {
      const ref = out[field];
      if (!(ref instanceof PayloadRef)) continue;
      if (!ref.written) {
        out[field] = ref.value;
        continue;
      }
      const cached = this.cache.get(ref);
      if (cached !== MISS) {
        out[field] = cached;
        continue;
      }
      const read = this.reading.get(ref) ?? this.readPayload(queue, journal, ref);
      (reads ??= []).push(read.then((value) => void (out[field] = value)));
    }
    return reads ? Promise.all(reads).then(() => copy) : Promise.resolve(copy);
  }

  /**
   * Reads a payload from the journal, with the uncached payloads of its batch that follow it
   * closely (a backlog is claimed in the order it was written). Places are taken now.
   */
  private readPayload(queue: string, journal: Journal | null, ref: PayloadRef): Promise<unknown> {
    if (!journal) return Promise.reject(new DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${queue} is not open`));
    const from = ref.off;
    let end = from + ref.len;
    const along: Array<{ ref: PayloadRef; at: number; len: number }> = [];
    for (const other of ref.group ?? []) {
      if (other === ref || other.gen !== ref.gen || !other.written || other.idx >= 0) continue;
      if (other.off < from || other.off + other.len > from + READ_AHEAD_BYTES || this.cache.has(other) || this.reading.has(other)) continue;
      along.push({ ref: other, at: other.off - from, len: other.len });
      end = Math.max(end, other.off + other.len);
    }
    const bytes = journal.readAt(ref.gen, from, end - from);
    const parsed = (at: number, len: number, of: PayloadRef) => bytes.then((data) => of.pick(JSON.parse(data.toString('utf8', at, at + len))));
    const read = (of: PayloadRef, value: Promise<unknown>): Promise<unknown> => {
      const done = value.then(
        (v) => {
          this.cache.set(of, v);
          return v;
        },
        () => {
          throw new DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${queue} cannot be read`);
        },
      );
      this.reading.set(of, done);
      void done.then(
        () => this.reading.delete(of),
        () => this.reading.delete(of),
      );
      return done;
    };
    bytes.catch((error: Error) => this.logger.error({ queue, err: error }, 'cannot read a payload back from the journal'));
    for (const other of along) read(other.ref, parsed(other.at, other.len, other.ref)).catch(() => undefined);
    return read(ref, parsed(0, ref.len, ref));
  }

  /** What a queue's in-memory index holds of its messages' payloads. */
  footprint(state: QueueState): PayloadFootprint {
    const footprint: PayloadFootprint = { messages: 0, refs: 0, unwritten: 0, inlineBytes: 0 };
    for (const slot of state.slots.values()) {
      footprint.messages++;
      for (const field of PAYLOAD_FIELDS) {
        const value = slot.msg[field];
        if (value instanceof PayloadRef) {
          footprint.refs++;
          if (!value.written) footprint.unwritten++;
        } else if (value !== null && value !== undefined) {
          footprint.inlineBytes += JSON.stringify(value).length;
        }
      }
    }
    return footprint;
  }

  /** Drops a queue's payloads from the cache (the queue is gone). */
  forget(state: QueueState): void {
    for (const slot of state.slots.values()) {
      for (const field of PAYLOAD_FIELDS) {
        const value = slot.msg[field];
        if (value instanceof PayloadRef) this.cache.delete(value);
      }
    }
  }
}
