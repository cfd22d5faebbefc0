import { LRUCache } from 'lru-cache';

/**
 * Where a payload (a message's request, result, error or dead-letter info) lies in a queue's
 * journal, so the in-memory index need not hold it. The bytes at `off`..`off + len` of the file
 * of generation `gen` are one JSON object; the payload is its `key` property (after `.ms[idx]`
 * when `idx` >= 0, for a whole batch record). The content a ref points to never changes; only its
 * place does, when a compaction moves it. Until its record is written, the ref holds the value.
 */
export class PayloadRef {
  gen = 0;
  off = -1;
  len = 0;
  /** the refs written in the same batch record (usually neighbours in the file), for read-ahead */
  group: PayloadRef[] | null = null;

  constructor(
    public key: string,
    public idx: number,
    /** the payload, kept only until its record is on disk */
    public value: unknown,
    /** approximate size in bytes, for the cache */
    readonly size: number,
  ) {}

  get written(): boolean {
    return this.off >= 0;
  }

  /** Records the payload's place; the first time, returns the value it held (for the cache). */
  locate(gen: number, off: number, len: number, key = this.key, idx = this.idx): unknown {
    const value = this.value;
    this.gen = gen;
    this.off = off;
    this.len = len;
    this.key = key;
    this.idx = idx;
    this.value = undefined;
    return value;
  }

  /** Extracts the payload from the parsed bytes at its place. */
  pick(parsed: unknown): unknown {
    let holder = parsed as Record<string, unknown>;
    if (this.idx >= 0) holder = (holder.ms as Array<Record<string, unknown>>)[this.idx];
    return holder[this.key];
  }
}

export const MISS: unique symbol = Symbol('miss');

/** A small LRU cache of payloads by ref, bounded by their approximate total size; one payload takes at most a quarter of it. */
export class PayloadCache {
  /** null when the budget is too small to hold any payload (0 turns the cache off) */
  private readonly entries: LRUCache<PayloadRef, NonNullable<unknown>> | null;

  constructor(readonly maxBytes: number) {
    const maxEntrySize = Math.floor(maxBytes / 4);
    this.entries = maxEntrySize < 1 ? null : new LRUCache({ maxSize: maxBytes, maxEntrySize, sizeCalculation: (_value, ref) => Math.max(1, ref.size) });
  }

  get bytes(): number {
    return this.entries?.calculatedSize ?? 0;
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  has(ref: PayloadRef): boolean {
    return this.entries?.has(ref) ?? false;
  }

  get(ref: PayloadRef): unknown {
    return this.entries?.get(ref) ?? MISS;
  }

  /** Payloads are never null (a null field has no ref). */
  set(ref: PayloadRef, value: unknown): void {
    if (value !== null && value !== undefined) this.entries?.set(ref, value);
  }

  delete(ref: PayloadRef): void {
    this.entries?.delete(ref);
  }

  clear(): void {
    this.entries?.clear();
  }
}
