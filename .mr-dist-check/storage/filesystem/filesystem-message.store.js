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
exports.FilesystemMessageStore = void 0;
const common_1 = require("@nestjs/common");
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const path = __importStar(require("node:path"));
const promises_1 = require("node:timers/promises");
const cursor_1 = require("../../common/cursor.js");
const domain_error_1 = require("../../common/domain-error.js");
const message_store_1 = require("../ports/message.store.js");
const journal_format_1 = require("./journal-format.js");
const journal_1 = require("./journal.js");
const lock_file_1 = require("./lock-file.js");
const queue_state_1 = require("./queue-state.js");
const JOURNAL_SUFFIX = '.journal';
const SNAPSHOT_CHUNK_BYTES = 1 << 20;
function copy(slot) {
    return { ...slot.msg };
}
class FilesystemMessageStore extends message_store_1.MessageStore {
    dataDir;
    clock;
    logger = new common_1.Logger('FilesystemStore');
    queues = new Map();
    queuesDir;
    compactMinBytes;
    compactGarbageRatio;
    releaseLock = null;
    state = 'new';
    constructor(dataDir, clock, options = {}) {
        super();
        this.dataDir = dataDir;
        this.clock = clock;
        this.queuesDir = path.join(dataDir, 'queues');
        this.compactMinBytes = options.compactMinBytes ?? 4 * 1024 * 1024;
        this.compactGarbageRatio = options.compactGarbageRatio ?? 2;
    }
    async open() {
        if (this.state !== 'new')
            return;
        this.releaseLock = (0, lock_file_1.acquireDataDirLock)(this.dataDir);
        try {
            await node_fs_1.promises.mkdir(this.queuesDir, { recursive: true });
            for (const entry of await node_fs_1.promises.readdir(this.queuesDir)) {
                if (!entry.endsWith(JOURNAL_SUFFIX))
                    continue;
                const name = decodeURIComponent(entry.slice(0, -JOURNAL_SUFFIX.length));
                const handle = this.emptyHandle(name);
                await this.load(handle);
                this.queues.set(name, handle);
            }
            this.state = 'open';
        }
        catch (error) {
            await this.closeJournals();
            this.releaseLock();
            this.releaseLock = null;
            throw error;
        }
    }
    async close() {
        if (this.state === 'closed')
            return;
        this.state = 'closed';
        await this.closeJournals();
        this.releaseLock?.();
        this.releaseLock = null;
    }
    async ping() {
        if (this.state !== 'open')
            throw new domain_error_1.DomainError('STORAGE_UNAVAILABLE', 'The filesystem store is not open');
        for (const handle of this.queues.values()) {
            if (handle.unavailable)
                throw new domain_error_1.DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} cannot be written`);
        }
    }
    async insert(messages) {
        if (messages.length === 0)
            return [];
        const groups = new Map();
        messages.forEach((m, i) => {
            const list = groups.get(m.queue) ?? groups.set(m.queue, []).get(m.queue);
            list.push(i);
        });
        const journals = new Map();
        for (const queue of groups.keys())
            journals.set(queue, await this.writable(this.handle(queue)));
        for (const [queue, indexes] of groups) {
            const state = this.handle(queue).state;
            const ids = new Set();
            for (const i of indexes) {
                const id = messages[i].id;
                if (state.slots.has(id) || ids.has(id))
                    throw new domain_error_1.DomainError('VALIDATION_FAILED', `Message ${id} already exists in queue ${queue}`);
                ids.add(id);
            }
        }
        const outcomes = new Array(messages.length);
        const writes = [];
        const fresh = new Set();
        for (const [queue, indexes] of groups) {
            const handle = this.handle(queue);
            const state = handle.state;
            const batchKeys = new Map();
            const stored = [];
            const parts = [];
            const replays = [];
            for (const i of indexes) {
                const input = messages[i];
                const key = input.idempotencyKey;
                if (key !== null) {
                    const known = state.keys.get(key);
                    if (known || batchKeys.has(key)) {
                        replays.push(i);
                        continue;
                    }
                }
                const message = {
                    id: input.id,
                    queue,
                    status: 'PENDING',
                    request: input.request ?? null,
                    result: null,
                    error: null,
                    attempts: 0,
                    sentBy: input.sentBy,
                    createdAt: input.createdAt,
                    updatedAt: input.createdAt,
                    seq: state.nextSeq++,
                    availableAt: input.availableAt,
                    leaseExpiresAt: null,
                    receipt: null,
                    idempotencyKey: key,
                    deadLetter: input.deadLetter ?? null,
                };
                if (key !== null)
                    batchKeys.set(key, message);
                stored.push(message);
                parts.push(JSON.stringify(message));
                outcomes[i] = { message: { ...message }, replayed: false };
            }
            if (stored.length) {
                const payload = `{"t":"i","ms":[${parts.join(',')}]}`;
                state.apply({ t: 'i', ms: stored }, payload.length);
                writes.push(this.append(handle, journals.get(queue), payload));
                fresh.add(queue);
            }
            else {
                writes.push(this.durable(handle, journals.get(queue)));
            }
            for (const i of replays) {
                const key = messages[i].idempotencyKey;
                const first = state.keys.get(key);
                outcomes[i] = { message: copy(first), replayed: true };
            }
        }
        await Promise.all(writes);
        for (const queue of fresh)
            this.emitAvailable(queue);
        return outcomes;
    }
    async get(queue, id) {
        const slot = this.readable(queue)?.state.slots.get(id);
        return slot ? copy(slot) : null;
    }
    async delete(queue, id) {
        const handle = this.readable(queue);
        if (!handle?.state.slots.has(id))
            return false;
        await this.commit(handle, { t: 'd', ids: [id] });
        return true;
    }
    async list(queue, query) {
        let after = 0;
        if (query.cursor) {
            const position = (0, cursor_1.decodeCursor)(query.cursor);
            if (!/^\d{1,16}$/.test(position))
                throw new domain_error_1.DomainError('INVALID_CURSOR', 'cursor is not valid');
            after = Number(position);
        }
        const limit = Math.max(1, Math.floor(query.limit));
        const handle = this.readable(queue);
        if (!handle)
            return { items: [], nextCursor: null };
        const slots = handle.state.page(after, query.status, limit + 1);
        const items = slots.slice(0, limit).map(copy);
        return { items, nextCursor: slots.length > limit ? (0, cursor_1.encodeCursor)(String(items[items.length - 1].seq)) : null };
    }
    async claim(queue, request) {
        const handle = this.readable(queue);
        if (!handle || handle.state.counts.PENDING === 0 || request.max < 1)
            return [];
        const journal = this.journalOf(handle);
        const slots = handle.state.nextDeliverable(request.max, request.now);
        if (slots.length === 0)
            return [];
        const record = { t: 'c', now: request.now, le: request.leaseExpiresAt, ms: slots.map((s) => [s.msg.id, (0, node_crypto_1.randomUUID)()]) };
        handle.state.apply(record);
        const claimed = slots.map(copy);
        await this.append(handle, journal, JSON.stringify(record));
        return claimed;
    }
    async settle(queue, id, receipt, settlement) {
        const handle = this.readable(queue);
        const slot = this.leased(handle, queue, id, receipt);
        const record = { t: 's', id, st: settlement.status, now: settlement.now };
        if (settlement.result !== undefined)
            record.r = settlement.result;
        if (settlement.error !== undefined)
            record.e = settlement.error;
        if (settlement.status === 'PENDING') {
            record.av = settlement.availableAt ?? settlement.now;
            if (settlement.uncountAttempt)
                record.un = 1;
            if (settlement.toEnd)
                record.sq = handle.state.nextSeq;
        }
        const settled = await this.commit(handle, record, slot);
        if (settled.status === 'PENDING')
            this.emitAvailable(queue);
        return settled;
    }
    async extendLease(queue, id, receipt, leaseExpiresAt, now) {
        const handle = this.readable(queue);
        const slot = this.leased(handle, queue, id, receipt);
        return this.commit(handle, { t: 'x', id, le: leaseExpiresAt, now }, slot);
    }
    async findExpiredLeases(queue, now, limit) {
        const handle = this.readable(queue);
        if (!handle || handle.state.counts.INPROGRESS === 0)
            return [];
        return handle.state.expiredLeases(now, limit).map(copy);
    }
    async requeue(queue, id, now) {
        const handle = this.readable(queue);
        const slot = handle?.state.slots.get(id);
        if (!handle || !slot)
            throw new domain_error_1.DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
        if (slot.msg.status !== 'ERROR')
            throw new domain_error_1.DomainError('MESSAGE_NOT_IN_ERROR', `Message ${id} is ${slot.msg.status}, not ERROR`);
        const requeued = await this.commit(handle, { t: 'q', id, now }, slot);
        this.emitAvailable(queue);
        return requeued;
    }
    async stats(queue) {
        const handle = this.readable(queue);
        if (!handle)
            return { counts: { PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 }, oldestPendingCreatedAt: null };
        return { counts: { ...handle.state.counts }, oldestPendingCreatedAt: handle.state.oldestPendingCreatedAt() };
    }
    async applyRetention(queue, rule) {
        const handle = this.readable(queue);
        if (!handle || handle.state.size === 0)
            return 0;
        const ids = handle.state.retentionCandidates(rule.processedBefore, rule.allBefore, rule.limit);
        if (ids.length === 0)
            return 0;
        await this.commit(handle, { t: 'd', ids });
        return ids.length;
    }
    async purgeQueue(queue) {
        const handle = this.readable(queue);
        if (!handle?.journal)
            return;
        await this.commit(handle, { t: 'p' });
        await this.compact(queue);
    }
    async kvGet(queue, key) {
        const kv = this.readable(queue)?.state.kv;
        if (!kv?.has(key))
            return undefined;
        return structuredClone(kv.get(key));
    }
    async kvSet(queue, key, value) {
        const handle = this.handle(queue);
        const journal = await this.writable(handle);
        const payload = JSON.stringify({ t: 'k', k: key, v: value ?? null });
        handle.state.apply(JSON.parse(payload));
        await this.append(handle, journal, payload);
    }
    async kvDelete(queue, key) {
        const handle = this.readable(queue);
        if (!handle?.state.kv.has(key))
            return false;
        await this.commit(handle, { t: 'kd', k: key });
        return true;
    }
    async kvList(queue, prefix = '') {
        const kv = this.readable(queue)?.state.kv;
        if (!kv)
            return [];
        return [...kv.keys()].filter((k) => k.startsWith(prefix)).sort();
    }
    async compact(queue) {
        const handle = this.readable(queue);
        if (!handle?.journal)
            return;
        if (handle.compacting)
            return handle.compacting;
        const journal = handle.journal;
        const state = handle.state;
        const snapshotAt = journal.position;
        const messages = state.liveInOrder().map((m) => ({ ...m }));
        const kv = [...state.kv.entries()];
        const nextSeq = state.nextSeq;
        const run = journal
            .compact(snapshotAt, async (write) => {
            await write([(0, journal_format_1.frameRecord)(JSON.stringify({ t: 'h', seq: nextSeq }))]);
            let parts = [];
            let bytes = 0;
            const flush = async () => {
                if (!parts.length)
                    return;
                await write([(0, journal_format_1.frameRecord)(`{"t":"i","ms":[${parts.join(',')}]}`)]);
                parts = [];
                bytes = 0;
                await (0, promises_1.setImmediate)();
            };
            for (const message of messages) {
                const json = JSON.stringify(message);
                parts.push(json);
                bytes += json.length;
                if (bytes >= SNAPSHOT_CHUNK_BYTES)
                    await flush();
            }
            await flush();
            const kvRecords = kv.map(([k, v]) => (0, journal_format_1.frameRecord)(JSON.stringify({ t: 'k', k, v })));
            if (kvRecords.length)
                await write(kvRecords);
        })
            .then(({ before, after }) => {
            this.logger.log(`compacted the journal of queue ${queue}: ${before} → ${after} bytes`);
        })
            .finally(() => {
            handle.compacting = null;
        });
        handle.compacting = run;
        return run;
    }
    maybeCompact(handle, journal) {
        if (handle.compacting || handle.unavailable || journal.size < this.compactMinBytes)
            return;
        if (journal.size <= this.compactGarbageRatio * handle.state.liveBytes)
            return;
        this.compact(handle.name).catch((error) => this.logger.error(`compaction of queue ${handle.name} failed: ${error.message}`));
    }
    emptyHandle(name) {
        return { name, state: new queue_state_1.QueueState(), journal: null, opening: null, compacting: null, unavailable: null };
    }
    assertOpen() {
        if (this.state !== 'open')
            throw new domain_error_1.DomainError('STORAGE_UNAVAILABLE', `The filesystem store is ${this.state === 'closed' ? 'closed' : 'not open yet'}`);
    }
    readable(queue) {
        this.assertOpen();
        return this.queues.get(queue);
    }
    handle(queue) {
        this.assertOpen();
        let handle = this.queues.get(queue);
        if (!handle) {
            handle = this.emptyHandle(queue);
            this.queues.set(queue, handle);
        }
        return handle;
    }
    fileOf(queue) {
        return path.join(this.queuesDir, `${encodeURIComponent(queue)}${JOURNAL_SUFFIX}`);
    }
    async load(handle) {
        const { journal, payloads, sizes } = await journal_1.Journal.open(this.fileOf(handle.name));
        const state = new queue_state_1.QueueState();
        payloads.forEach((payload, i) => {
            try {
                state.apply(payload, sizes[i]);
            }
            catch (error) {
                this.logger.error(`queue ${handle.name}: ignored an unreadable journal record #${i}: ${error.message}`);
            }
        });
        handle.state = state;
        handle.journal = journal;
    }
    journalOf(handle) {
        if (handle.unavailable)
            throw new domain_error_1.DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} cannot be written: ${handle.unavailable.message}`);
        if (!handle.journal)
            throw new domain_error_1.DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} is not open`);
        return handle.journal;
    }
    async writable(handle) {
        if (handle.journal || handle.unavailable)
            return this.journalOf(handle);
        handle.opening ??= (async () => {
            await node_fs_1.promises.mkdir(this.queuesDir, { recursive: true });
            const { journal } = await journal_1.Journal.open(this.fileOf(handle.name));
            await (0, journal_1.fsyncDirectory)(this.queuesDir);
            handle.journal = journal;
            return journal;
        })().finally(() => {
            handle.opening = null;
        });
        await handle.opening;
        return this.journalOf(handle);
    }
    async commit(handle, record, slot) {
        const journal = this.journalOf(handle);
        const payload = JSON.stringify(record);
        handle.state.apply(record);
        const result = slot ? copy(slot) : undefined;
        await this.append(handle, journal, payload);
        return result;
    }
    async append(handle, journal, payload) {
        try {
            await journal.append(payload);
        }
        catch (error) {
            this.onWriteFailure(handle, journal, error);
            throw new domain_error_1.DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} could not be written`);
        }
        this.maybeCompact(handle, journal);
    }
    async durable(handle, journal) {
        try {
            await journal.barrier();
        }
        catch (error) {
            throw new domain_error_1.DomainError('STORAGE_UNAVAILABLE', `The journal of queue ${handle.name} could not be written`);
        }
    }
    leased(handle, queue, id, receipt) {
        const slot = handle?.state.slots.get(id);
        if (!slot)
            throw new domain_error_1.DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
        if (slot.msg.status !== 'INPROGRESS' || slot.msg.receipt !== receipt) {
            throw new domain_error_1.DomainError('RECEIPT_STALE', 'The receipt is not the current lease of this message');
        }
        return slot;
    }
    onWriteFailure(handle, journal, error) {
        if (handle.unavailable || handle.journal !== journal)
            return;
        handle.unavailable = error;
        void (async () => {
            try {
                await journal.truncateToDurable();
                await journal.close().catch(() => undefined);
                await this.load(handle);
                handle.unavailable = null;
                this.logger.warn(`queue ${handle.name} reloaded from its journal after a failed write`);
            }
            catch (reloadError) {
                this.logger.error(`queue ${handle.name} stays unavailable: ${reloadError.message}`);
            }
        })();
    }
    async closeJournals() {
        for (const handle of this.queues.values()) {
            await handle.compacting?.catch(() => undefined);
            await handle.journal?.close().catch(() => undefined);
        }
        this.queues.clear();
    }
}
exports.FilesystemMessageStore = FilesystemMessageStore;
//# sourceMappingURL=filesystem-message.store.js.map