"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.QueueState = exports.Slot = void 0;
const min_heap_1 = require("./min-heap.js");
class Slot {
    msg;
    bytes;
    pv = 0;
    lv = 0;
    cv = 0;
    deleted = false;
    constructor(msg, bytes) {
        this.msg = msg;
        this.bytes = bytes;
    }
}
exports.Slot = Slot;
const byKeyThenSeq = (a, b) => a.key < b.key || (a.key === b.key && a.seq < b.seq);
const bySeq = (a, b) => a.seq < b.seq;
const REBUILD_SLACK = 1024;
class QueueState {
    slots = new Map();
    keys = new Map();
    kv = new Map();
    counts = { PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 };
    nextSeq = 1;
    liveBytes = 0;
    order = [];
    orderStale = 0;
    delayed = new min_heap_1.MinHeap(byKeyThenSeq);
    ready = new min_heap_1.MinHeap(bySeq);
    pendingAge = new min_heap_1.MinHeap(byKeyThenSeq);
    leases = new min_heap_1.MinHeap(byKeyThenSeq);
    completed = new min_heap_1.MinHeap(byKeyThenSeq);
    created = new min_heap_1.MinHeap(byKeyThenSeq);
    get size() {
        return this.slots.size;
    }
    apply(record, bytes = 0) {
        switch (record.t) {
            case 'h':
                this.nextSeq = Math.max(this.nextSeq, record.seq);
                return;
            case 'i':
                for (const message of record.ms)
                    this.add(message, record.ms.length ? Math.ceil(bytes / record.ms.length) : 0);
                return;
            case 'c':
                for (const [id, receipt] of record.ms) {
                    const slot = this.slots.get(id);
                    if (!slot)
                        continue;
                    this.setStatus(slot, 'INPROGRESS');
                    const m = slot.msg;
                    m.attempts += 1;
                    m.receipt = receipt;
                    m.leaseExpiresAt = record.le;
                    m.updatedAt = record.now;
                    this.trackLease(slot);
                }
                return;
            case 's':
                return this.applySettle(record);
            case 'x': {
                const slot = this.slots.get(record.id);
                if (!slot)
                    return;
                slot.msg.leaseExpiresAt = record.le;
                slot.msg.updatedAt = record.now;
                this.trackLease(slot);
                return;
            }
            case 'q': {
                const slot = this.slots.get(record.id);
                if (!slot)
                    return;
                const m = slot.msg;
                m.attempts = 0;
                m.availableAt = record.now;
                m.updatedAt = record.now;
                m.receipt = null;
                m.leaseExpiresAt = null;
                this.setStatus(slot, 'PENDING');
                return;
            }
            case 'd':
                for (const id of record.ids)
                    this.remove(id);
                return;
            case 'p':
                return this.clear();
            case 'k':
                this.kv.set(record.k, record.v);
                return;
            case 'kd':
                this.kv.delete(record.k);
                return;
        }
    }
    add(message, bytes) {
        if (this.slots.has(message.id))
            return;
        const slot = new Slot(message, bytes);
        this.slots.set(message.id, slot);
        if (message.idempotencyKey !== null)
            this.keys.set(message.idempotencyKey, slot);
        this.nextSeq = Math.max(this.nextSeq, message.seq + 1);
        this.order.push({ seq: message.seq, slot });
        if (this.order.length > 1 && this.order[this.order.length - 2].seq > message.seq)
            this.order.sort((a, b) => a.seq - b.seq);
        this.created.push({ slot, key: message.createdAt, seq: message.seq, v: 0 });
        this.liveBytes += bytes;
        this.counts[message.status]++;
        this.enterStatus(slot);
    }
    applySettle(record) {
        const slot = this.slots.get(record.id);
        if (!slot)
            return;
        const m = slot.msg;
        if (record.r !== undefined)
            m.result = record.r;
        if (record.e !== undefined)
            m.error = record.e;
        m.updatedAt = record.now;
        m.receipt = null;
        m.leaseExpiresAt = null;
        if (record.st === 'PENDING') {
            m.availableAt = record.av ?? record.now;
            if (record.un)
                m.attempts = Math.max(0, m.attempts - 1);
            if (record.sq !== undefined) {
                m.seq = record.sq;
                this.nextSeq = Math.max(this.nextSeq, record.sq + 1);
                this.orderStale++;
                this.order.push({ seq: m.seq, slot });
            }
        }
        this.setStatus(slot, record.st);
    }
    setStatus(slot, status) {
        this.counts[slot.msg.status]--;
        slot.msg.status = status;
        this.counts[status]++;
        this.enterStatus(slot);
    }
    enterStatus(slot) {
        const m = slot.msg;
        if (m.status === 'PENDING') {
            slot.pv++;
            this.delayed.push({ slot, key: m.availableAt, seq: m.seq, v: slot.pv });
            this.pendingAge.push({ slot, key: m.createdAt, seq: m.seq, v: slot.pv });
        }
        else if (m.status === 'INPROGRESS') {
            this.trackLease(slot);
        }
        else if (m.status === 'COMPLETE') {
            slot.cv++;
            this.completed.push({ slot, key: m.updatedAt, seq: m.seq, v: slot.cv });
        }
        this.maybeSweep();
    }
    trackLease(slot) {
        slot.lv++;
        if (slot.msg.leaseExpiresAt !== null)
            this.leases.push({ slot, key: slot.msg.leaseExpiresAt, seq: slot.msg.seq, v: slot.lv });
    }
    remove(id) {
        const slot = this.slots.get(id);
        if (!slot)
            return;
        slot.deleted = true;
        this.slots.delete(id);
        const key = slot.msg.idempotencyKey;
        if (key !== null && this.keys.get(key) === slot)
            this.keys.delete(key);
        this.counts[slot.msg.status]--;
        this.liveBytes -= slot.bytes;
        this.orderStale++;
        this.maybeSweep();
    }
    clear() {
        for (const slot of this.slots.values())
            slot.deleted = true;
        this.slots.clear();
        this.keys.clear();
        this.kv.clear();
        this.order = [];
        this.orderStale = 0;
        for (const heap of [this.delayed, this.ready, this.pendingAge, this.leases, this.completed, this.created])
            heap.clear();
        this.counts.PENDING = this.counts.INPROGRESS = this.counts.COMPLETE = this.counts.ERROR = 0;
        this.liveBytes = 0;
    }
    isPending = (e) => !e.slot.deleted && e.slot.msg.status === 'PENDING' && e.slot.pv === e.v;
    isLeased = (e) => !e.slot.deleted && e.slot.msg.status === 'INPROGRESS' && e.slot.lv === e.v;
    isCompleted = (e) => !e.slot.deleted && e.slot.msg.status === 'COMPLETE' && e.slot.cv === e.v;
    isLive = (e) => !e.slot.deleted;
    inOrder = (e) => !e.slot.deleted && e.slot.msg.seq === e.seq;
    maybeSweep() {
        const c = this.counts;
        if (this.delayed.size + this.ready.size > 2 * c.PENDING + REBUILD_SLACK) {
            this.delayed.retain(this.isPending);
            this.ready.retain(this.isPending);
        }
        if (this.pendingAge.size > 2 * c.PENDING + REBUILD_SLACK)
            this.pendingAge.retain(this.isPending);
        if (this.leases.size > 2 * c.INPROGRESS + REBUILD_SLACK)
            this.leases.retain(this.isLeased);
        if (this.completed.size > 2 * c.COMPLETE + REBUILD_SLACK)
            this.completed.retain(this.isCompleted);
        if (this.created.size > 2 * this.slots.size + REBUILD_SLACK)
            this.created.retain(this.isLive);
        if (this.orderStale > this.order.length / 2 + REBUILD_SLACK) {
            this.order = this.order.filter(this.inOrder);
            this.orderStale = 0;
        }
    }
    nextDeliverable(max, now) {
        for (let top = this.delayed.peek(); top && top.key <= now; top = this.delayed.peek()) {
            this.delayed.pop();
            if (this.isPending(top))
                this.ready.push(top);
        }
        const out = [];
        const later = [];
        while (out.length < max && this.ready.size) {
            const entry = this.ready.pop();
            if (!this.isPending(entry))
                continue;
            if (entry.slot.msg.availableAt > now) {
                later.push(entry);
                continue;
            }
            out.push(entry.slot);
        }
        for (const entry of later)
            this.delayed.push({ ...entry, key: entry.slot.msg.availableAt });
        return out;
    }
    expiredLeases(now, limit) {
        const taken = [];
        const out = [];
        while (out.length < limit) {
            const top = this.leases.peek();
            if (!top)
                break;
            if (!this.isLeased(top)) {
                this.leases.pop();
                continue;
            }
            if (top.key >= now)
                break;
            taken.push(this.leases.pop());
            out.push(top.slot);
        }
        for (const entry of taken)
            this.leases.push(entry);
        return out;
    }
    oldestPendingCreatedAt() {
        for (let top = this.pendingAge.peek(); top; top = this.pendingAge.peek()) {
            if (this.isPending(top))
                return top.key;
            this.pendingAge.pop();
        }
        return null;
    }
    retentionCandidates(processedBefore, allBefore, limit) {
        const ids = new Set();
        const collect = (heap, valid, before) => {
            const taken = [];
            while (ids.size < limit) {
                const top = heap.peek();
                if (!top)
                    break;
                if (!valid(top)) {
                    heap.pop();
                    continue;
                }
                if (top.key >= before)
                    break;
                taken.push(heap.pop());
                ids.add(top.slot.msg.id);
            }
            for (const entry of taken)
                heap.push(entry);
        };
        collect(this.created, this.isLive, allBefore);
        collect(this.completed, this.isCompleted, processedBefore);
        return [...ids];
    }
    page(afterSeq, status, limit) {
        const order = this.order;
        let lo = 0;
        let hi = order.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (order[mid].seq <= afterSeq)
                lo = mid + 1;
            else
                hi = mid;
        }
        const out = [];
        for (let i = lo; i < order.length && out.length < limit; i++) {
            const entry = order[i];
            if (!this.inOrder(entry))
                continue;
            if (status && entry.slot.msg.status !== status)
                continue;
            out.push(entry.slot);
        }
        return out;
    }
    liveInOrder() {
        const out = [];
        for (const entry of this.order)
            if (this.inOrder(entry))
                out.push(entry.slot.msg);
        return out;
    }
}
exports.QueueState = QueueState;
//# sourceMappingURL=queue-state.js.map