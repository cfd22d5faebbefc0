import { crc32 } from 'node:zlib';

/**
 * Journal record framing: MAGIC (u32) | payload length (u32) | CRC32 of the payload (u32) | payload.
 * The payload is UTF-8 JSON. The magic lets a reader find the next record after a damaged one.
 */
export const RECORD_MAGIC = 0x4d524a31; // "MRJ1"
export const HEADER_BYTES = 12;

export function frameRecord(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const record = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  record.writeUInt32BE(RECORD_MAGIC, 0);
  record.writeUInt32BE(body.length, 4);
  record.writeUInt32BE(crc32(body), 8);
  body.copy(record, HEADER_BYTES);
  return record;
}

export interface DamagedRange {
  offset: number;
  length: number;
}

export interface ScanResult {
  payloads: unknown[];
  /** byte length of each payload */
  sizes: number[];
  /** file offset of each record (its header; the payload starts HEADER_BYTES later) */
  offsets: number[];
  /** bytes up to the end of the last valid record; everything after it is a torn or corrupt tail */
  validLength: number;
  /** damaged ranges followed by valid records (skipped, not truncated) */
  skipped: DamagedRange[];
  /** bytes after validLength (a torn tail) */
  tailBytes: number;
}

/** Parses a valid record at `offset`, or returns null. */
export function recordAt(data: Buffer, offset: number): { payload: unknown; end: number } | null {
  if (offset + HEADER_BYTES > data.length) return null;
  if (data.readUInt32BE(offset) !== RECORD_MAGIC) return null;
  const length = data.readUInt32BE(offset + 4);
  const end = offset + HEADER_BYTES + length;
  if (end > data.length) return null;
  const body = data.subarray(offset + HEADER_BYTES, end);
  if (crc32(body) !== data.readUInt32BE(offset + 8)) return null;
  try {
    return { payload: JSON.parse(body.toString('utf8')), end };
  } catch {
    return null;
  }
}

const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32BE(RECORD_MAGIC, 0);

/** Next offset after `from` holding a valid record, or -1. */
function resync(data: Buffer, from: number): number {
  let at = data.indexOf(MAGIC_BYTES, from);
  while (at !== -1) {
    if (recordAt(data, at)) return at;
    at = data.indexOf(MAGIC_BYTES, at + 1);
  }
  return -1;
}

/** Receives each valid record as it is scanned (payload, payload bytes, record offset). */
export type RecordVisitor = (payload: unknown, size: number, offset: number) => void;

/**
 * Reads every valid record. A damaged record followed by valid ones is skipped (reported in
 * `skipped`); damage with nothing valid after it is a torn tail, reported by `validLength`.
 * With a `visit` callback the records are handed over one by one instead of being collected.
 */
export function scanRecords(data: Buffer, visit?: RecordVisitor): ScanResult {
  const payloads: unknown[] = [];
  const sizes: number[] = [];
  const offsets: number[] = [];
  const skipped: DamagedRange[] = [];
  let offset = 0;
  while (offset < data.length) {
    const record = recordAt(data, offset);
    if (record) {
      const size = record.end - offset - HEADER_BYTES;
      if (visit) {
        visit(record.payload, size, offset);
      } else {
        payloads.push(record.payload);
        sizes.push(size);
        offsets.push(offset);
      }
      offset = record.end;
      continue;
    }
    const next = resync(data, offset + 1);
    if (next === -1) break;
    skipped.push({ offset, length: next - offset });
    offset = next;
  }
  return { payloads, sizes, offsets, validLength: offset, skipped, tailBytes: data.length - offset };
}
