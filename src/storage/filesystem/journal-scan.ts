import type { FileHandle } from 'node:fs/promises';
import { HEADER_BYTES, RECORD_MAGIC, recordAt, scanRecords, type RecordVisitor, type ScanResult } from '@app/storage/filesystem/journal-format';

/** Journals are read at start in windows of this size (plus the record that does not fit). */
const SCAN_WINDOW_BYTES = 4 * 1024 * 1024;

async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at ${position + done}`);
    done += bytesRead;
  }
}

/**
 * `scanRecords` over a file without holding all of it: valid records are read window by window;
 * from the first record that does not parse on, the rest of the file is scanned in memory (the
 * same algorithm, so damage is skipped or a torn tail found exactly as for the whole file).
 */
export async function scanFile(handle: FileHandle, visit?: RecordVisitor): Promise<ScanResult> {
  const payloads: unknown[] = [];
  const sizes: number[] = [];
  const offsets: number[] = [];
  const emit: RecordVisitor =
    visit ??
    ((payload, size, offset) => {
      payloads.push(payload);
      sizes.push(size);
      offsets.push(offset);
    });
  const fileSize = (await handle.stat()).size;
  let window = Buffer.alloc(0);
  let windowAt = 0;
  const load = async (from: number, bytes: number) => {
    window = Buffer.allocUnsafe(Math.min(Math.max(bytes, SCAN_WINDOW_BYTES), fileSize - from));
    windowAt = from;
    await readFully(handle, window, from);
  };
  let offset = 0;
  while (offset < fileSize) {
    if (offset + HEADER_BYTES > windowAt + window.length && offset + HEADER_BYTES <= fileSize) await load(offset, HEADER_BYTES);
    let record: ReturnType<typeof recordAt> = null;
    if (offset + HEADER_BYTES <= windowAt + window.length) {
      const end = offset + HEADER_BYTES + window.readUInt32BE(offset - windowAt + 4);
      if (window.readUInt32BE(offset - windowAt) === RECORD_MAGIC && end <= fileSize) {
        if (end > windowAt + window.length) await load(offset, end - offset);
        record = recordAt(window, offset - windowAt);
      }
    }
    if (!record) {
      const rest = Buffer.allocUnsafe(fileSize - offset);
      await readFully(handle, rest, offset);
      const scan = scanRecords(rest, (payload, size, at) => emit(payload, size, offset + at));
      return {
        payloads,
        sizes,
        offsets,
        validLength: offset + scan.validLength,
        skipped: scan.skipped.map((range) => ({ offset: offset + range.offset, length: range.length })),
        tailBytes: scan.tailBytes,
      };
    }
    const end = windowAt + record.end;
    emit(record.payload, end - offset - HEADER_BYTES, offset);
    offset = end;
  }
  return { payloads, sizes, offsets, validLength: offset, skipped: [], tailBytes: 0 };
}
