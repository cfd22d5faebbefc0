"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.HEADER_BYTES = exports.RECORD_MAGIC = void 0;
exports.frameRecord = frameRecord;
exports.scanRecords = scanRecords;
const node_zlib_1 = require("node:zlib");
exports.RECORD_MAGIC = 0x4d524a31;
exports.HEADER_BYTES = 12;
function frameRecord(payload) {
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const record = Buffer.allocUnsafe(exports.HEADER_BYTES + body.length);
    record.writeUInt32BE(exports.RECORD_MAGIC, 0);
    record.writeUInt32BE(body.length, 4);
    record.writeUInt32BE((0, node_zlib_1.crc32)(body), 8);
    body.copy(record, exports.HEADER_BYTES);
    return record;
}
function recordAt(data, offset) {
    if (offset + exports.HEADER_BYTES > data.length)
        return null;
    if (data.readUInt32BE(offset) !== exports.RECORD_MAGIC)
        return null;
    const length = data.readUInt32BE(offset + 4);
    const end = offset + exports.HEADER_BYTES + length;
    if (end > data.length)
        return null;
    const body = data.subarray(offset + exports.HEADER_BYTES, end);
    if ((0, node_zlib_1.crc32)(body) !== data.readUInt32BE(offset + 8))
        return null;
    try {
        return { payload: JSON.parse(body.toString('utf8')), end };
    }
    catch {
        return null;
    }
}
const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32BE(exports.RECORD_MAGIC, 0);
function resync(data, from) {
    let at = data.indexOf(MAGIC_BYTES, from);
    while (at !== -1) {
        if (recordAt(data, at))
            return at;
        at = data.indexOf(MAGIC_BYTES, at + 1);
    }
    return -1;
}
function scanRecords(data) {
    const payloads = [];
    const sizes = [];
    const skipped = [];
    let offset = 0;
    while (offset < data.length) {
        const record = recordAt(data, offset);
        if (record) {
            payloads.push(record.payload);
            sizes.push(record.end - offset - exports.HEADER_BYTES);
            offset = record.end;
            continue;
        }
        const next = resync(data, offset + 1);
        if (next === -1)
            break;
        skipped.push({ offset, length: next - offset });
        offset = next;
    }
    return { payloads, sizes, validLength: offset, skipped, tailBytes: data.length - offset };
}
//# sourceMappingURL=journal-format.js.map