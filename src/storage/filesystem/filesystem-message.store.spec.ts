import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { DomainError } from '@app/common/domain-error';
import type { NewMessage, StoredMessage } from '@app/domain/message';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';
import { HEADER_BYTES, frameRecord, scanRecords } from '@app/storage/filesystem/journal-format';
import { useFilesystemStores } from '@test/support/fs-stores';
import { waitFor } from '@test/support/time';

describe('FilesystemMessageStore (durability)', () => {
  const stores = useFilesystemStores('mailroom-fs-');
  const { openStore, reopen } = stores;

  const journal = (queue: string) => path.join(stores.dir, 'queues', `${queue}.journal`);

  function draft(queue: string, request: unknown, overrides: Partial<NewMessage> = {}): NewMessage {
    return {
      id: randomUUID(),
      queue,
      request,
      sentBy: 'alice',
      createdAt: stores.clock.now(),
      availableAt: stores.clock.now(),
      idempotencyKey: null,
      ...overrides,
    };
  }

  async function everything(store: FilesystemMessageStore, queue: string): Promise<{ messages: StoredMessage[]; kv: Record<string, unknown>; stats: unknown }> {
    const messages: StoredMessage[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.list(queue, { limit: 100, cursor });
      messages.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const kv: Record<string, unknown> = {};
    for (const key of await store.kvList(queue)) kv[key] = await store.kvGet(queue, key);
    return { messages, kv, stats: await store.stats(queue) };
  }

  /** A queue in every state: pending, delayed, leased, retried, moved to the end, completed, failed, deleted, with kv. */
  async function busyQueue(store: FilesystemMessageStore, queue: string, count = 40): Promise<void> {
    const outcomes = await store.insert(Array.from({ length: count }, (_, i) => draft(queue, { i, pad: 'p'.repeat(200) }, { idempotencyKey: `k${i}` })));
    await store.insert([draft(queue, { delayed: true }, { availableAt: stores.clock.now() + 60_000 })]);
    const now = stores.clock.now();
    const leased = await store.claim(queue, { max: count / 2, now, leaseExpiresAt: now + 30_000 });
    for (const [i, m] of leased.entries()) {
      if (i % 4 === 0) await store.settle(queue, m.id, m.receipt!, { status: 'COMPLETE', now, result: { done: i } });
      else if (i % 4 === 1) await store.settle(queue, m.id, m.receipt!, { status: 'ERROR', now, error: { name: 'Error', message: `e${i}` } });
      else if (i % 4 === 2) await store.settle(queue, m.id, m.receipt!, { status: 'PENDING', now, availableAt: now, toEnd: true, uncountAttempt: true });
    }
    await store.delete(queue, outcomes[count - 1].message.id);
    await store.kvSet(queue, 'counter', { n: 1 });
    await store.kvSet(queue, 'gone', 1);
    await store.kvDelete(queue, 'gone');
  }

  it('answers a client read (get, list) only once the state it shows is on disk', async () => {
    const store = await openStore();
    await store.insert([draft('orders', { n: 1 }, { idempotencyKey: 'k1' })]);
    const now = stores.clock.now();
    const [leased] = await store.claim('orders', { max: 1, now, leaseExpiresAt: now + 30_000 });
    // hold every journal write until released
    const probe = await fsp.open(path.join(stores.dir, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(probe) as { writev: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const writev = fileHandle.writev;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held = jest.spyOn(fileHandle, 'writev').mockImplementation(async function (this: unknown, ...args: unknown[]) {
      await released;
      return writev.apply(this, args);
    });
    try {
      const answered: string[] = [];
      const settled = store.settle('orders', leased.id, leased.receipt!, { status: 'COMPLETE', now, result: { ok: true } });
      const reads = Promise.all([
        store.get('orders', leased.id).then((m) => answered.push(`get ${m?.status}`)),
        store.list('orders', { limit: 10, cursor: null }).then((page) => answered.push(`list ${page.items[0].status}`)),
      ]);
      await waitFor(() => held.mock.calls.length > 0);
      for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(answered).toEqual([]);
      release();
      await Promise.all([settled, reads]);
      expect(answered.sort()).toEqual(['get COMPLETE', 'list COMPLETE']);
    } finally {
      release();
      held.mockRestore();
    }
  });

  it('keeps a purge by status after a restart, and the rest of the queue as it was', async () => {
    let store = await openStore();
    await busyQueue(store, 'orders');
    const errors = (await everything(store, 'orders')).messages.filter((m) => m.status === 'ERROR');
    expect(errors.length).toBeGreaterThan(0);
    expect(await store.deleteMessages('orders', { status: 'ERROR', limit: 1000 })).toBe(errors.length);
    const before = await everything(store, 'orders');
    store = await reopen(store);
    expect(await everything(store, 'orders')).toEqual(before);
    expect(before.messages.some((m) => m.status === 'ERROR')).toBe(false);
  });

  it('brings back every message, key-value entry, sequence and idempotency key after a restart', async () => {
    let store = await openStore();
    await busyQueue(store, 'orders');
    await store.insert([draft('other', 'x')]);
    const before = await everything(store, 'orders');
    store = await reopen(store);
    expect(await everything(store, 'orders')).toEqual(before);
    expect((await store.list('other', { limit: 10 })).items).toHaveLength(1);
    const [replay] = await store.insert([draft('orders', 'again', { idempotencyKey: 'k0' })]);
    expect(replay.replayed).toBe(true);
    const [fresh] = await store.insert([draft('orders', 'new')]);
    expect(fresh.message.seq).toBeGreaterThan(Math.max(...before.messages.map((m) => m.seq)));
    const now = stores.clock.now();
    const leases = await store.findExpiredLeases('orders', now + 31_000, 100);
    expect(leases.map((m) => m.id).sort()).toEqual(
      before.messages
        .filter((m) => m.status === 'INPROGRESS')
        .map((m) => m.id)
        .sort(),
    );
  });

  it('compacts a journal: the file shrinks and the state is identical, also after a restart', async () => {
    let store = await openStore();
    await busyQueue(store, 'orders', 200);
    const now = stores.clock.now();
    for (const m of await store.claim('orders', { max: 1000, now, leaseExpiresAt: now + 1000 })) {
      await store.settle('orders', m.id, m.receipt!, { status: 'COMPLETE', now, result: { big: 'r'.repeat(500) } });
    }
    await store.applyRetention('orders', { processedBefore: now + 1, allBefore: 0, limit: 1000 });
    const before = await everything(store, 'orders');
    const sizeBefore = fs.statSync(journal('orders')).size;
    await store.compact('orders');
    const sizeAfter = fs.statSync(journal('orders')).size;
    expect(sizeAfter).toBeLessThan(sizeBefore / 2);
    expect(fs.existsSync(`${journal('orders')}.compact`)).toBe(false);
    expect(await everything(store, 'orders')).toEqual(before);
    await store.insert([draft('orders', 'after compaction')]);
    const withNew = await everything(store, 'orders');
    store = await reopen(store);
    expect(await everything(store, 'orders')).toEqual(withNew);
  });

  it('keeps every write made while a compaction runs', async () => {
    let store = await openStore();
    await busyQueue(store, 'orders', 400);
    const compaction = store.compact('orders');
    const writes = Array.from({ length: 50 }, (_, i) => store.insert([draft('orders', { during: i })]));
    const now = stores.clock.now();
    const claims = store.claim('orders', { max: 10, now, leaseExpiresAt: now + 1000 });
    await Promise.all([compaction, ...writes, claims]);
    await store.kvSet('orders', 'after', true);
    const expected = await everything(store, 'orders');
    store = await reopen(store);
    expect(await everything(store, 'orders')).toEqual(expected);
  });

  it('compacts on its own once garbage outweighs the live state, and stays correct', async () => {
    let store = await openStore({ compactMinBytes: 64 * 1024, compactGarbageRatio: 2 });
    const request = { pad: 'x'.repeat(1000) };
    for (let round = 0; round < 20; round++) {
      const inserted = await store.insert(Array.from({ length: 20 }, () => draft('q', request)));
      for (const { message } of inserted.slice(0, 19)) await store.delete('q', message.id);
    }
    await waitFor(async () => (await store.stats('q')) && fs.statSync(journal('q')).size < 100 * 1024);
    const expected = await everything(store, 'q');
    expect(expected.messages).toHaveLength(20);
    store = await reopen(store);
    expect(await everything(store, 'q')).toEqual(expected);
  });

  it('does not compact over and over when the live state itself is big (large results)', async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const store = await openStore({ compactMinBytes: 32 * 1024, compactGarbageRatio: 2 });
    await store.insert(Array.from({ length: 40 }, (_, i) => draft('q', i)));
    const now = stores.clock.now();
    for (const m of await store.claim('q', { max: 40, now, leaseExpiresAt: now + 1000 })) {
      await store.settle('q', m.id, m.receipt!, { status: 'COMPLETE', now, result: { big: 'r'.repeat(8 * 1024) } });
    }
    for (let i = 0; i < 100; i++) await store.kvSet('q', 'tick', i);
    await store.compact('q');
    const compactions = log.mock.calls.filter(([, message]) => message === 'compacted a queue journal').length;
    expect(compactions).toBeGreaterThan(0);
    expect(compactions).toBeLessThanOrEqual(6);
  });

  it('purging a queue closes and removes its journal, also across a restart', async () => {
    const openFds = () => fs.readdirSync('/proc/self/fd').length;
    let store = await openStore();
    const fdsBefore = openFds();
    await busyQueue(store, 'orders', 100);
    expect(openFds()).toBeGreaterThan(fdsBefore);
    await store.purgeQueue('orders');
    expect(fs.existsSync(journal('orders'))).toBe(false);
    expect(fs.readdirSync(path.dirname(journal('orders')))).toEqual([]);
    expect(openFds()).toBe(fdsBefore);
    expect((await store.stats('orders')).counts.PENDING).toBe(0);
    expect(await store.kvGet('orders', 'counter')).toBeUndefined();
    const [again] = await store.insert([draft('orders', 'new', { idempotencyKey: 'k1' })]);
    expect(again.replayed).toBe(false);
    store = await reopen(store);
    expect((await store.list('orders', { limit: 10 })).items.map((m) => m.id)).toEqual([again.message.id]);
  });

  it('a message written while a purge of its queue is still removing the old journal survives a restart', async () => {
    let store = await openStore();
    await busyQueue(store, 'orders');
    const purging = store.purgeQueue('orders');
    const [fresh] = await store.insert([draft('orders', 'after the purge')]);
    await purging;
    expect(fs.existsSync(journal('orders'))).toBe(true);
    store = await reopen(store);
    expect((await store.list('orders', { limit: 10 })).items.map((m) => m.id)).toEqual([fresh.message.id]);
  });

  it('creates journals 0600 and their directory 0700, and tightens an older 0644 journal at open', async () => {
    const store = await openStore();
    await busyQueue(store, 'orders');
    await store.compact('orders');
    expect(fs.statSync(journal('orders')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(journal('orders'))).mode & 0o777).toBe(0o700);
    await store.insert([draft('other', 'x')]);
    await store.close();
    fs.chmodSync(journal('other'), 0o644);
    await reopen(store);
    expect(fs.statSync(journal('other')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(journal('orders')).mode & 0o777).toBe(0o600);
  });

  it('reads a journal written before sender roles were recorded: its messages have senderRoles null, and new ones keep theirs', async () => {
    let store = await openStore();
    const [old] = await store.insert([draft('q', 'old', { senderRoles: ['ignored'] })]);
    await store.close();
    const { payloads } = scanRecords(fs.readFileSync(journal('q')));
    const legacy = payloads.map((payload) => {
      const record = payload as { t: string; ms?: Array<Record<string, unknown>> };
      for (const m of record.ms ?? []) delete m.senderRoles;
      return frameRecord(JSON.stringify(record));
    });
    fs.writeFileSync(journal('q'), Buffer.concat(legacy));
    expect(fs.readFileSync(journal('q'), 'utf8')).not.toContain('senderRoles');
    store = await openStore();
    expect(await store.get('q', old.message.id)).toMatchObject({ request: 'old', sentBy: 'alice', senderRoles: null });
    const [fresh] = await store.insert([draft('q', 'new', { senderRoles: ['queue_writer'] })]);
    store = await reopen(store);
    expect((await store.list('q', { limit: 10 })).items.map((m) => m.senderRoles)).toEqual([null, ['queue_writer']]);
    expect((await store.get('q', fresh.message.id))?.senderRoles).toEqual(['queue_writer']);
  });

  it('truncates a torn tail at open and keeps everything before it', async () => {
    let store = await openStore();
    const stored = await store.insert([draft('q', 1), draft('q', 2)]);
    const file = journal('q');
    const lastRecordStart = fs.statSync(file).size;
    await store.insert([draft('q', 3)]);
    await store.close();
    // cut the last record in half, as a crash during its write would
    fs.truncateSync(file, lastRecordStart + HEADER_BYTES + 10);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    store = await openStore();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('truncated a torn tail of'));
    expect((await store.list('q', { limit: 10 })).items.map((m) => m.id)).toEqual(stored.map((o) => o.message.id));
    expect(fs.statSync(file).size).toBe(lastRecordStart);
    await store.insert([draft('q', 4)]);
    store = await reopen(store);
    expect((await store.list('q', { limit: 10 })).items.map((m) => m.request)).toEqual([1, 2, 4]);
  });

  it('skips a corrupt record in the middle, keeps the rest, and says so', async () => {
    let store = await openStore();
    const [a] = await store.insert([draft('q', 'a')]);
    const [b] = await store.insert([draft('q', 'b-marker')]);
    const [c] = await store.insert([draft('q', 'c')]);
    await store.close();
    const data = fs.readFileSync(journal('q'));
    const at = data.indexOf('b-marker');
    data[at] ^= 0x20;
    fs.writeFileSync(journal('q'), data);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    store = await openStore();
    expect(error).toHaveBeenCalledWith(expect.stringContaining('skipped a damaged record'));
    expect(await store.get('q', a.message.id)).not.toBeNull();
    expect(await store.get('q', b.message.id)).toBeNull();
    expect(await store.get('q', c.message.id)).not.toBeNull();
  });

  it('refuses a second store on the same data directory', async () => {
    await openStore();
    const second = new FilesystemMessageStore(stores.dir, stores.clock);
    await expect(second.open()).rejects.toThrow(`Data directory ${stores.dir} is in use`);
  });

  /** The flags of this process's open file descriptors on `file` (Linux /proc). */
  function openFlags(file: string): number[] {
    const target = (fd: string) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return null; // the descriptor of the directory listing itself
      }
    };
    return fs
      .readdirSync('/proc/self/fd')
      .filter((fd) => target(fd) === file)
      .map((fd) => parseInt(/^flags:\s+(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8));
  }

  const linux = process.platform === 'linux' ? it : it.skip;

  linux('writes the journal through a descriptor opened O_DSYNC (each write is durable when it returns), also after a compaction', async () => {
    let store = await openStore();
    await store.insert([draft('orders', 'first')]);
    const dsync = (flags: number[]) => flags.map((f) => (f & fs.constants.O_DSYNC) === fs.constants.O_DSYNC);
    expect(dsync(openFlags(journal('orders')))).toEqual([true]);
    await store.compact('orders');
    await store.insert([draft('orders', 'after compaction')]);
    expect(dsync(openFlags(journal('orders')))).toEqual([true]);
    store = await reopen(store);
    await store.insert([draft('orders', 'after a restart')]);
    expect(dsync(openFlags(journal('orders')))).toEqual([true]);
  });

  it('groups concurrent writes into few durable writes', async () => {
    const store = await openStore();
    await store.insert([draft('q', 'warm up')]);
    const handle = await fsp.open(path.join(stores.dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(handle) as { writev: () => Promise<unknown>; datasync: () => Promise<void> };
    await handle.close();
    const writev = jest.spyOn(proto, 'writev');
    const datasync = jest.spyOn(proto, 'datasync');
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.insert([draft('q', i)])));
    expect(writev.mock.calls.length).toBeGreaterThan(0);
    expect(writev.mock.calls.length).toBeLessThanOrEqual(5);
    expect(datasync.mock.calls.length).toBeLessThanOrEqual(5);
    expect((await store.stats('q')).counts.PENDING).toBe(201);
  });

  /** Holds every journal write until released; `started` resolves when the first one is issued. */
  async function holdWrites(): Promise<{ started: Promise<void>; release: () => void }> {
    const handle = await fsp.open(path.join(stores.dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(handle) as { writev: (...args: unknown[]) => Promise<unknown> };
    await handle.close();
    const original = proto.writev;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const issued = new Promise<void>((resolve) => (started = resolve));
    jest.spyOn(proto, 'writev').mockImplementation(function (this: unknown, ...args: unknown[]) {
      started();
      return gate.then(() => original.apply(this, args));
    });
    return { started: issued, release };
  }

  it('a claim with deferLeaseDurability answers before its lease record is written, and the lease is durable once the next write is', async () => {
    let store = await openStore();
    const [pushed] = await store.insert([draft('q', 'one')]);
    const writes = await holdWrites();
    const now = stores.clock.now();
    const [claimed] = await store.claim('q', { max: 10, now, leaseExpiresAt: now + 60_000, deferLeaseDurability: true });
    expect(claimed).toMatchObject({ id: pushed.message.id, status: 'INPROGRESS', request: 'one' });
    await writes.started;
    const kv = store.kvSet('q', 'after', 1);
    writes.release();
    await kv;
    store = await reopen(store);
    expect(await store.get('q', claimed.id)).toMatchObject({ status: 'INPROGRESS', receipt: claimed.receipt, attempts: 1 });
  });

  it('a claim with deferLeaseDurability still waits until the messages it returns are durable', async () => {
    const store = await openStore();
    await store.insert([draft('q', 'warm up')]);
    const writes = await holdWrites();
    const events: string[] = [];
    const pushed = store.insert([draft('q', 'two')]).then(() => void events.push('pushed'));
    await writes.started;
    const now = stores.clock.now();
    const claim = store.claim('q', { max: 10, now, leaseExpiresAt: now + 60_000, deferLeaseDurability: true }).then((ms) => {
      events.push('claimed');
      return ms;
    });
    await new Promise((resolve) => setImmediate(resolve));
    events.push('released');
    writes.release();
    const [claimed] = await Promise.all([claim, pushed]);
    expect(events.indexOf('claimed')).toBeGreaterThan(events.indexOf('released'));
    expect(claimed.map((m) => m.request)).toEqual(['warm up', 'two']);
  });

  it('answers STORAGE_UNAVAILABLE when a write fails, then reloads the queue from disk', async () => {
    let store = await openStore();
    const [kept] = await store.insert([draft('q', 'kept')]);
    const handle = await fsp.open(path.join(stores.dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(handle) as { writev: () => Promise<unknown> };
    await handle.close();
    jest.spyOn(proto, 'writev').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    const failed = draft('q', 'lost');
    const error = await store.insert([failed]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('STORAGE_UNAVAILABLE');
    await waitFor(async () =>
      store.ping().then(
        () => true,
        () => false,
      ),
    );
    expect(await store.get('q', failed.id)).toBeNull();
    expect(await store.get('q', kept.message.id)).not.toBeNull();
    const [after] = await store.insert([draft('q', 'after')]);
    store = await reopen(store);
    expect((await store.list('q', { limit: 10 })).items.map((m) => m.id)).toEqual([kept.message.id, after.message.id]);
  });

  it('refuses work after close', async () => {
    const store = await openStore();
    await store.close();
    const error = await store.insert([draft('q', 1)]).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe('STORAGE_UNAVAILABLE');
    await expect(store.ping()).rejects.toThrow();
  });
});
