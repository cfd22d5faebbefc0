"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.Journal = void 0;
exports.fsyncDirectory = fsyncDirectory;
const common_1 = require("@nestjs/common");
const node_fs_1 = require("node:fs");
const path = __importStar(require("node:path"));
const journal_format_1 = require("./journal-format.js");
async function fsyncDirectory(dir) {
    const handle = await node_fs_1.promises.open(dir, 'r');
    try {
        await handle.sync();
    }
    finally {
        await handle.close();
    }
}
function newBatch(first) {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
        resolve = res;
        reject = rej;
    });
    promise.catch(() => undefined);
    return { first, buffers: [], bytes: 0, promise, resolve, reject };
}
class Journal {
    file;
    handle;
    size_;
    static logger = new common_1.Logger('Journal');
    nextIndex = 0;
    open_;
    flushing = null;
    paused = false;
    capture = null;
    failure = null;
    closed = false;
    constructor(file, handle, size_) {
        this.file = file;
        this.handle = handle;
        this.size_ = size_;
        this.open_ = newBatch(0);
    }
    static async open(file) {
        await node_fs_1.promises.rm(`${file}.compact`, { force: true });
        let created = false;
        let handle;
        try {
            handle = await node_fs_1.promises.open(file, 'r+');
        }
        catch (error) {
            if (error.code !== 'ENOENT')
                throw error;
            handle = await node_fs_1.promises.open(file, 'w+');
            created = true;
        }
        try {
            const data = created ? Buffer.alloc(0) : await handle.readFile();
            const scan = (0, journal_format_1.scanRecords)(data);
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
        }
        catch (error) {
            await handle.close();
            throw error;
        }
    }
    get size() {
        return this.size_;
    }
    get broken() {
        return this.failure;
    }
    get position() {
        return this.nextIndex;
    }
    append(payload) {
        if (this.failure)
            return Promise.reject(this.failure);
        if (this.closed)
            return Promise.reject(new Error(`journal ${this.file} is closed`));
        const record = (0, journal_format_1.frameRecord)(payload);
        const batch = this.open_;
        batch.buffers.push(record);
        batch.bytes += record.length;
        this.nextIndex++;
        this.kick();
        return batch.promise;
    }
    async barrier() {
        if (this.open_.buffers.length)
            await this.open_.promise;
        while (this.flushing)
            await this.flushing;
    }
    kick() {
        if (this.flushing || this.paused)
            return;
        this.flushing = Promise.resolve().then(() => this.flushLoop());
    }
    async flushLoop() {
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
                }
                catch (error) {
                    this.fail(error, batch);
                }
            }
        }
        finally {
            this.flushing = null;
        }
        if (!this.paused && this.open_.buffers.length && !this.failure)
            this.kick();
    }
    async writeAll(handle, buffers, position, bytes) {
        const { bytesWritten } = await handle.writev(buffers, position);
        if (bytesWritten !== bytes)
            throw new Error(`short write to ${this.file}: ${bytesWritten} of ${bytes} bytes`);
    }
    fail(error, batch) {
        this.failure = error;
        Journal.logger.error(`${this.file}: write failed (${error.message}); the queue is unavailable until it is reloaded`);
        batch.reject(error);
        this.open_.reject(error);
        this.open_ = newBatch(this.nextIndex);
    }
    async truncateToDurable() {
        await this.handle.truncate(this.size_);
        await this.handle.sync();
    }
    async compact(snapshotAt, writeSnapshot) {
        if (this.failure || this.closed)
            throw this.failure ?? new Error('journal closed');
        const before = this.size_;
        const tmpFile = `${this.file}.compact`;
        this.capture = [];
        let tmp = null;
        let tmpSize = 0;
        let renamed = false;
        let pending = null;
        try {
            tmp = await node_fs_1.promises.open(tmpFile, 'w');
            const target = tmp;
            await writeSnapshot(async (records) => {
                const bytes = records.reduce((n, r) => n + r.length, 0);
                await this.writeAll(target, records, tmpSize, bytes);
                tmpSize += bytes;
            });
            this.paused = true;
            while (this.flushing)
                await this.flushing;
            if (this.failure)
                throw this.failure;
            pending = this.open_;
            this.open_ = newBatch(this.nextIndex);
            const tail = [];
            for (const flushed of this.capture)
                flushed.buffers.forEach((b, i) => flushed.first + i >= snapshotAt && tail.push(b));
            const frozen = pending;
            frozen.buffers.forEach((b, i) => frozen.first + i >= snapshotAt && tail.push(b));
            const tailBytes = tail.reduce((n, r) => n + r.length, 0);
            if (tail.length)
                await this.writeAll(tmp, tail, tmpSize, tailBytes);
            tmpSize += tailBytes;
            await tmp.datasync();
            await node_fs_1.promises.rename(tmpFile, this.file);
            renamed = true;
            await fsyncDirectory(path.dirname(this.file));
            const old = this.handle;
            this.handle = tmp;
            this.size_ = tmpSize;
            frozen.resolve();
            await old.close().catch(() => undefined);
            return { before, after: tmpSize };
        }
        catch (error) {
            if (renamed) {
                pending?.reject(error);
                this.fail(error, this.open_);
            }
            else {
                await tmp?.close().catch(() => undefined);
                await node_fs_1.promises.rm(tmpFile, { force: true }).catch(() => undefined);
                if (pending)
                    this.requeueBefore(pending);
            }
            throw error;
        }
        finally {
            this.capture = null;
            this.paused = false;
            if (this.open_.buffers.length)
                this.kick();
        }
    }
    requeueBefore(batch) {
        const later = this.open_;
        const merged = newBatch(batch.first);
        merged.buffers = [...batch.buffers, ...later.buffers];
        merged.bytes = batch.bytes + later.bytes;
        merged.promise.then(() => {
            batch.resolve();
            later.resolve();
        }, (error) => {
            batch.reject(error);
            later.reject(error);
        });
        this.open_ = merged;
    }
    async close() {
        if (this.closed)
            return;
        await this.barrier().catch(() => undefined);
        this.closed = true;
        await this.handle.close();
    }
}
exports.Journal = Journal;
//# sourceMappingURL=journal.js.map