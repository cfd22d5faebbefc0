import type { MessageStatus, StoredMessage } from '@app/domain/message';
import type { QueueCounts } from '@app/storage/ports/message.store';
import type { JournalRecord } from '@app/storage/filesystem/journal-record';
import { MinHeap } from '@app/storage/filesystem/min-heap';

/**
 * A stored message plus versions that tell which heap entries are still current. Its payloads
 * (request, result, error, deadLetter) are either small values or `PayloadRef`s into the journal.
 */
export class Slot {
  /** bumped whenever the message (re)enters PENDING */
  pv = 0;
  /** bumped whenever its lease changes */
  lv = 0;
  /** bumped whenever it becomes COMPLETE */
  cv = 0;
  deleted = false;
  constructor(
    public msg: StoredMessage,
    /** approximate journal bytes of the message, for the compaction trigger */
    public bytes: number,
  ) {}
}

interface VersionedEntry {
  slot: Slot;
  key: number;
  seq: number;
  v: number;
}

const byKeyThenSeq = (a: VersionedEntry, b: VersionedEntry) => a.key < b.key || (a.key === b.key && a.seq < b.seq);
const bySeq = (a: VersionedEntry, b: VersionedEntry) => a.seq < b.seq;

const REBUILD_SLACK = 1024;

/** PENDING messages of a FIFO queue: per group by seq, and those without a group. Entries go stale lazily. */
interface FifoIndex {
  groups: Map<string, MinHeap<VersionedEntry>>;
  loose: MinHeap<VersionedEntry>;
  entries: number;
}

/** The in-memory index of one queue: everything a claim, list, stats or retention needs. */
export class QueueState {
  readonly slots = new Map<string, Slot>();
  readonly keys = new Map<string, Slot>();
  readonly kv = new Map<string, unknown>();
  readonly counts: QueueCounts = { PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 };
  nextSeq = 1;
  liveBytes = 0;
  /** FIFO: INPROGRESS messages per group */
  private readonly inflightGroups = new Map<string, number>();
  private fifo: FifoIndex | null = null;

  /** slots in seq order (appends only; stale entries skipped and swept) */
  private order: Array<{ seq: number; slot: Slot }> = [];
  private orderStale = 0;
  /** PENDING, not yet known to be available: by availableAt */
  private readonly delayed = new MinHeap<VersionedEntry>(byKeyThenSeq);
  /** PENDING and available: by seq */
  private readonly ready = new MinHeap<VersionedEntry>(bySeq);
  /** PENDING by createdAt, for the oldest pending age */
  private readonly pendingAge = new MinHeap<VersionedEntry>(byKeyThenSeq);
  /** INPROGRESS by lease expiry */
  private readonly leases = new MinHeap<VersionedEntry>(byKeyThenSeq);
  /** COMPLETE by updatedAt (retention) */
  private readonly completed = new MinHeap<VersionedEntry>(byKeyThenSeq);
  /** every message by createdAt (retention) */
  private readonly created = new MinHeap<VersionedEntry>(byKeyThenSeq);

  get size(): number {
    return this.slots.size;
  }

  apply(record: JournalRecord, bytes = 0): void {
    switch (record.t) {
      case 'h':
        this.nextSeq = Math.max(this.nextSeq, record.seq);
        return;
      case 'i':
        for (const message of record.ms) this.add(message, record.ms.length ? Math.ceil(bytes / record.ms.length) : 0);
        return;
      case 'c':
        for (const [id, receipt] of record.ms) {
          const slot = this.slots.get(id);
          if (!slot) continue;
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
        if (!slot) return;
        slot.msg.leaseExpiresAt = record.le;
        slot.msg.updatedAt = record.now;
        this.trackLease(slot);
        return;
      }
      case 'q': {
        const slot = this.slots.get(record.id);
        if (!slot) return;
        const m = slot.msg;
        m.attempts = 0;
        m.availableAt = record.now;
        m.updatedAt = record.now;
        m.receipt = null;
        m.leaseExpiresAt = null;
        this.setStatus(slot, 'PENDING');
        return;
      }
      case 'u': {
        const slot = this.slots.get(record.id);
        if (!slot || slot.msg.idempotencyKey !== record.k) return;
        if (this.keys.get(record.k) === slot) this.keys.delete(record.k);
        slot.msg.idempotencyKey = null;
        return;
      }
      case 'd':
        for (const id of record.ids) this.remove(id);
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

  private add(message: StoredMessage, bytes: number): void {
    if (this.slots.has(message.id)) return;
    message.groupId ??= null;
    message.senderRoles ??= null;
    const slot = new Slot(message, bytes);
    this.slots.set(message.id, slot);
    if (message.idempotencyKey !== null) this.keys.set(message.idempotencyKey, slot);
    this.nextSeq = Math.max(this.nextSeq, message.seq + 1);
    this.order.push({ seq: message.seq, slot });
    if (this.order.length > 1 && this.order[this.order.length - 2].seq > message.seq) this.order.sort((a, b) => a.seq - b.seq);
    this.created.push({ slot, key: message.createdAt, seq: message.seq, v: 0 });
    this.liveBytes += bytes;
    this.counts[message.status]++;
    if (message.status === 'INPROGRESS') this.countInflight(message.groupId, 1);
    this.enterStatus(slot);
  }

  private countInflight(group: string | null, delta: number): void {
    if (group === null) return;
    const n = (this.inflightGroups.get(group) ?? 0) + delta;
    if (n > 0) this.inflightGroups.set(group, n);
    else this.inflightGroups.delete(group);
  }

  private applySettle(record: Extract<JournalRecord, { t: 's' }>): void {
    const slot = this.slots.get(record.id);
    if (!slot) return;
    const m = slot.msg;
    if (record.r !== undefined) m.result = record.r;
    if (record.e !== undefined) m.error = record.e;
    m.updatedAt = record.now;
    m.receipt = null;
    m.leaseExpiresAt = null;
    if (record.st === 'PENDING') {
      m.availableAt = record.av ?? record.now;
      if (record.un) m.attempts = Math.max(0, m.attempts - 1);
      if (record.sq !== undefined) {
        m.seq = record.sq;
        this.nextSeq = Math.max(this.nextSeq, record.sq + 1);
        this.orderStale++;
        this.order.push({ seq: m.seq, slot });
      }
    }
    this.setStatus(slot, record.st);
  }

  private setStatus(slot: Slot, status: MessageStatus): void {
    this.counts[slot.msg.status]--;
    if (slot.msg.status === 'INPROGRESS') this.countInflight(slot.msg.groupId, -1);
    slot.msg.status = status;
    this.counts[status]++;
    if (status === 'INPROGRESS') this.countInflight(slot.msg.groupId, 1);
    this.enterStatus(slot);
  }

  private enterStatus(slot: Slot): void {
    const m = slot.msg;
    if (m.status === 'PENDING') {
      slot.pv++;
      this.delayed.push({ slot, key: m.availableAt, seq: m.seq, v: slot.pv });
      this.pendingAge.push({ slot, key: m.createdAt, seq: m.seq, v: slot.pv });
      if (this.fifo) this.indexPending(slot);
    } else if (m.status === 'INPROGRESS') {
      this.trackLease(slot);
    } else if (m.status === 'COMPLETE') {
      slot.cv++;
      this.completed.push({ slot, key: m.updatedAt, seq: m.seq, v: slot.cv });
    }
    this.maybeSweep();
  }

  private trackLease(slot: Slot): void {
    slot.lv++;
    if (slot.msg.leaseExpiresAt !== null) this.leases.push({ slot, key: slot.msg.leaseExpiresAt, seq: slot.msg.seq, v: slot.lv });
  }

  private remove(id: string): void {
    const slot = this.slots.get(id);
    if (!slot) return;
    slot.deleted = true;
    this.slots.delete(id);
    const key = slot.msg.idempotencyKey;
    if (key !== null && this.keys.get(key) === slot) this.keys.delete(key);
    this.counts[slot.msg.status]--;
    if (slot.msg.status === 'INPROGRESS') this.countInflight(slot.msg.groupId, -1);
    this.liveBytes -= slot.bytes;
    this.orderStale++;
    this.maybeSweep();
  }

  private clear(): void {
    for (const slot of this.slots.values()) slot.deleted = true;
    this.slots.clear();
    this.keys.clear();
    this.kv.clear();
    this.inflightGroups.clear();
    this.fifo = null;
    this.order = [];
    this.orderStale = 0;
    for (const heap of [this.delayed, this.ready, this.pendingAge, this.leases, this.completed, this.created]) heap.clear();
    this.counts.PENDING = this.counts.INPROGRESS = this.counts.COMPLETE = this.counts.ERROR = 0;
    this.liveBytes = 0;
  }

  private isPending = (e: VersionedEntry) => !e.slot.deleted && e.slot.msg.status === 'PENDING' && e.slot.pv === e.v;
  private isLeased = (e: VersionedEntry) => !e.slot.deleted && e.slot.msg.status === 'INPROGRESS' && e.slot.lv === e.v;
  private isCompleted = (e: VersionedEntry) => !e.slot.deleted && e.slot.msg.status === 'COMPLETE' && e.slot.cv === e.v;
  private isLive = (e: VersionedEntry) => !e.slot.deleted;
  private inOrder = (e: { seq: number; slot: Slot }) => !e.slot.deleted && e.slot.msg.seq === e.seq;

  /** Drops stale heap entries once they outnumber live ones, so memory stays proportional to the queue. */
  private maybeSweep(): void {
    const c = this.counts;
    if (this.delayed.size + this.ready.size > 2 * c.PENDING + REBUILD_SLACK) {
      this.delayed.retain(this.isPending);
      this.ready.retain(this.isPending);
    }
    if (this.pendingAge.size > 2 * c.PENDING + REBUILD_SLACK) this.pendingAge.retain(this.isPending);
    // rebuilt at the next FIFO claim
    if (this.fifo && this.fifo.entries > 2 * c.PENDING + REBUILD_SLACK) this.fifo = null;
    if (this.leases.size > 2 * c.INPROGRESS + REBUILD_SLACK) this.leases.retain(this.isLeased);
    if (this.completed.size > 2 * c.COMPLETE + REBUILD_SLACK) this.completed.retain(this.isCompleted);
    if (this.created.size > 2 * this.slots.size + REBUILD_SLACK) this.created.retain(this.isLive);
    if (this.orderStale > this.order.length / 2 + REBUILD_SLACK) {
      this.order = this.order.filter(this.inOrder);
      this.orderStale = 0;
    }
  }

  /**
   * Up to `max` deliverable messages (PENDING, availableAt <= now), lowest seq first. They leave
   * the ready heap, so the caller must claim them at once (synchronously).
   */
  nextDeliverable(max: number, now: number): Slot[] {
    for (let top = this.delayed.peek(); top && top.key <= now; top = this.delayed.peek()) {
      this.delayed.pop();
      if (this.isPending(top)) this.ready.push(top);
    }
    const out: Slot[] = [];
    const later: VersionedEntry[] = [];
    while (out.length < max && this.ready.size) {
      const entry = this.ready.pop()!;
      if (!this.isPending(entry)) continue;
      if (entry.slot.msg.availableAt > now) {
        later.push(entry);
        continue;
      }
      out.push(entry.slot);
    }
    for (const entry of later) this.delayed.push({ ...entry, key: entry.slot.msg.availableAt });
    return out;
  }

  /**
   * FIFO claim (see ClaimRequest.groups). Costs the number of groups with pending messages plus
   * what it takes, never the size of the queue: PENDING messages are indexed per group (built at
   * the first FIFO claim, then kept up to date). The claimed slots leave the index, so the caller
   * must claim them at once (synchronously).
   */
  nextDeliverableInGroups(max: number, now: number, perGroup: number): Slot[] {
    const index = this.fifoIndex();
    const validTop = (heap: MinHeap<VersionedEntry>): VersionedEntry | undefined => {
      for (let top = heap.peek(); top; top = heap.peek()) {
        if (this.isPending(top)) return top;
        heap.pop();
        index.entries--;
      }
      return undefined;
    };
    const heads = new MinHeap<{ entry: VersionedEntry; group: string }>((a, b) => a.entry.seq < b.entry.seq);
    for (const [group, heap] of index.groups) {
      if (this.inflightGroups.has(group)) continue;
      const top = validTop(heap);
      if (!top) index.groups.delete(group);
      else if (top.slot.msg.availableAt <= now) heads.push({ entry: top, group });
    }
    const skipped: VersionedEntry[] = [];
    const nextLoose = (): VersionedEntry | undefined => {
      for (let top = validTop(index.loose); top; top = validTop(index.loose)) {
        if (top.slot.msg.availableAt <= now) return top;
        skipped.push(index.loose.pop()!);
        index.entries--;
      }
      return undefined;
    };
    const out: Slot[] = [];
    const taken = new Map<string, number>();
    let loose = nextLoose();
    while (out.length < max) {
      const head = heads.peek();
      if (loose && (!head || loose.seq < head.entry.seq)) {
        out.push(index.loose.pop()!.slot);
        index.entries--;
        loose = nextLoose();
        continue;
      }
      if (!head) break;
      heads.pop();
      const heap = index.groups.get(head.group)!;
      out.push(heap.pop()!.slot);
      index.entries--;
      const n = (taken.get(head.group) ?? 0) + 1;
      taken.set(head.group, n);
      if (n >= perGroup) continue;
      const next = validTop(heap);
      if (next && next.slot.msg.availableAt <= now) heads.push({ entry: next, group: head.group });
    }
    for (const entry of skipped) {
      index.loose.push(entry);
      index.entries++;
    }
    return out;
  }

  /** The per-group index of PENDING messages (FIFO queues only: built on first use). */
  private fifoIndex(): FifoIndex {
    if (this.fifo) return this.fifo;
    this.fifo = { groups: new Map(), loose: new MinHeap(bySeq), entries: 0 };
    for (const slot of this.slots.values()) if (slot.msg.status === 'PENDING') this.indexPending(slot);
    return this.fifo;
  }

  private indexPending(slot: Slot): void {
    const index = this.fifo!;
    const entry = { slot, key: 0, seq: slot.msg.seq, v: slot.pv };
    const group = slot.msg.groupId;
    if (group === null) {
      index.loose.push(entry);
    } else {
      let heap = index.groups.get(group);
      if (!heap) index.groups.set(group, (heap = new MinHeap(bySeq)));
      heap.push(entry);
    }
    index.entries++;
  }

  /** INPROGRESS with leaseExpiresAt < now, oldest lease first. */
  expiredLeases(now: number, limit: number): Slot[] {
    const taken: VersionedEntry[] = [];
    const out: Slot[] = [];
    while (out.length < limit) {
      const top = this.leases.peek();
      if (!top) break;
      if (!this.isLeased(top)) {
        this.leases.pop();
        continue;
      }
      if (top.key >= now) break;
      taken.push(this.leases.pop()!);
      out.push(top.slot);
    }
    for (const entry of taken) this.leases.push(entry);
    return out;
  }

  oldestPendingCreatedAt(): number | null {
    for (let top = this.pendingAge.peek(); top; top = this.pendingAge.peek()) {
      if (this.isPending(top)) return top.key;
      this.pendingAge.pop();
    }
    return null;
  }

  /** Ids to delete: COMPLETE updated before `processedBefore`, anything created before `allBefore`. */
  retentionCandidates(processedBefore: number, allBefore: number, limit: number): string[] {
    const ids = new Set<string>();
    const collect = (heap: MinHeap<VersionedEntry>, valid: (e: VersionedEntry) => boolean, before: number) => {
      const taken: VersionedEntry[] = [];
      while (ids.size < limit) {
        const top = heap.peek();
        if (!top) break;
        if (!valid(top)) {
          heap.pop();
          continue;
        }
        if (top.key >= before) break;
        taken.push(heap.pop()!);
        ids.add(top.slot.msg.id);
      }
      for (const entry of taken) heap.push(entry);
    };
    collect(this.created, this.isLive, allBefore);
    collect(this.completed, this.isCompleted, processedBefore);
    return [...ids];
  }

  /** Messages after `afterSeq` in seq order, optionally of one status. */
  page(afterSeq: number, status: MessageStatus | undefined, limit: number): Slot[] {
    const order = this.order;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order[mid].seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    const out: Slot[] = [];
    for (let i = lo; i < order.length && out.length < limit; i++) {
      const entry = order[i];
      if (!this.inOrder(entry)) continue;
      if (status && entry.slot.msg.status !== status) continue;
      out.push(entry.slot);
    }
    return out;
  }

  /** Live messages in seq order (for compaction). */
  liveInOrder(): Slot[] {
    const out: Slot[] = [];
    for (const entry of this.order) if (this.inOrder(entry)) out.push(entry.slot);
    return out;
  }
}
