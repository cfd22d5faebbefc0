import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { MessageErrorInfo, NewMessage, StoredMessage } from '@app/domain/message';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';
import { Journal } from '@app/storage/filesystem/journal';
import { frameRecord, scanRecords } from '@app/storage/filesystem/journal-format';
import { MISS, PayloadCache, PayloadRef } from '@app/storage/filesystem/payload-ref';
import { useFilesystemStores } from '@test/support/fs-stores';

const Q = 'payloads';
const blob = (bytes: number) => randomBytes(bytes / 2).toString('hex');

describe('FilesystemMessageStore payloads (kept in the journal, read back on demand)', () => {
  const stores = useFilesystemStores('mailroom-fs-payloads-');
  const { openStore, reopen } = stores;

  function draft(request: unknown, extra: Partial<NewMessage> = {}): NewMessage {
    const now = stores.clock.now();
    return { id: randomUUID(), queue: Q, request, sentBy: 'tester', createdAt: now, availableAt: now, idempotencyKey: null, ...extra };
  }

  async function everything(store: FilesystemMessageStore): Promise<StoredMessage[]> {
    return (await store.list(Q, { limit: 10_000 })).items;
  }

  /** Inserts big messages, completes some with big results, fails one with a big error, dead-letters one. */
  async function populate(store: FilesystemMessageStore, count = 12): Promise<void> {
    const drafts = Array.from({ length: count }, (_, i) => draft({ i, body: blob(20_000) }));
    drafts[1] = draft({ small: true });
    drafts[2] = { ...draft({ i: 2, body: blob(4_000) }), deadLetter: { queue: 'origin', id: randomUUID(), error: { name: 'E', message: blob(2_000) } } };
    await store.insert(drafts.slice(0, count / 2));
    await store.insert(drafts.slice(count / 2));
    const now = stores.clock.now();
    const claimed = await store.claim(Q, { max: 5, now, leaseExpiresAt: now + 60_000 });
    expect(claimed.map((m) => m.request)).toEqual(drafts.slice(0, 5).map((d) => d.request));
    await store.settle(Q, claimed[0].id, claimed[0].receipt!, { status: 'COMPLETE', now, result: { out: blob(30_000) }, error: null });
    await store.settle(Q, claimed[1].id, claimed[1].receipt!, { status: 'COMPLETE', now, result: { out: 'small' }, error: null });
    const error: MessageErrorInfo = { name: 'Boom', message: 'failed', stack: blob(3_000) };
    await store.settle(Q, claimed[2].id, claimed[2].receipt!, { status: 'PENDING', now, error, availableAt: now });
    await store.settle(Q, claimed[3].id, claimed[3].receipt!, { status: 'ERROR', now, error, result: { partial: blob(1_000) } });
  }

  it('keeps large payloads out of memory and reads them back, also after a restart', async () => {
    const store = await openStore();
    await populate(store);
    const before = await everything(store);
    expect(before).toHaveLength(12);
    expect(before.find((m) => m.result !== null && (m.result as { out: string }).out?.length === 30_000)).toBeDefined();

    const live = store.payloadFootprint(Q);
    expect(live.unwritten).toBe(0);
    expect(live.refs).toBeGreaterThanOrEqual(14);
    expect(live.inlineBytes).toBeLessThan(1_000);

    const restarted = await reopen(store);
    expect(await everything(restarted)).toEqual(before);
    for (const message of before) expect(await restarted.get(Q, message.id)).toEqual(message);
    const replayed = restarted.payloadFootprint(Q);
    expect(replayed.refs).toBe(live.refs);
    expect(replayed.inlineBytes).toBeLessThan(1_000);
  });

  it('relocates payloads when a compaction rewrites the journal, also after a restart', async () => {
    const store = await openStore({ payloadCacheBytes: 0 });
    await populate(store);
    // garbage: messages inserted and deleted again
    const doomed = Array.from({ length: 20 }, () => draft({ body: blob(20_000) }));
    await store.insert(doomed);
    for (const message of doomed) await store.delete(Q, message.id);
    const before = await everything(store);
    const file = path.join(stores.dir, 'queues', `${Q}.journal`);
    const sizeBefore = fs.statSync(file).size;

    await store.compact(Q);
    expect(fs.statSync(file).size).toBeLessThan(sizeBefore / 2);
    const readAt = jest.spyOn(Journal.prototype, 'readAt');
    expect(await everything(store)).toEqual(before);
    expect(readAt).toHaveBeenCalled();
    expect(store.payloadFootprint(Q).inlineBytes).toBeLessThan(1_000);

    const restarted = await reopen(store, { payloadCacheBytes: 0 });
    expect(await everything(restarted)).toEqual(before);
  });

  it('reads the right bytes while a compaction swaps the file (reads and writes racing the swap)', async () => {
    const store = await openStore({ payloadCacheBytes: 0 });
    await populate(store, 40);
    const expected = new Map((await everything(store)).map((m) => [m.id, m]));
    const pending = (await store.list(Q, { limit: 100, status: 'PENDING' })).items;

    const reads: Array<Promise<StoredMessage | null>> = [];
    const writes: Array<Promise<unknown>> = [];
    const compact = Journal.prototype.compact;
    jest.spyOn(Journal.prototype, 'compact').mockImplementation(function (this: Journal, snapshotAt, writeSnapshot, onSwap) {
      return compact.call(
        this,
        snapshotAt,
        async (write) => {
          await writeSnapshot(write);
          // issued against the old file: they complete while (or after) the file is swapped
          for (const id of expected.keys()) reads.push(store.get(Q, id));
          // appended after the snapshot: copied over as the tail, so their payloads move too
          const now = stores.clock.now();
          const claimed = await store.claim(Q, { max: 3, now, leaseExpiresAt: now + 60_000 });
          for (const message of claimed) {
            const result = { out: blob(10_000) };
            writes.push(store.settle(Q, message.id, message.receipt!, { status: 'COMPLETE', now, result }));
            expected.set(message.id, { ...message, status: 'COMPLETE', result, receipt: null, leaseExpiresAt: null, updatedAt: now });
          }
          const late = draft({ late: blob(10_000) });
          writes.push(store.insert([late]));
          expected.set(late.id, {
            ...late,
            status: 'PENDING',
            result: null,
            error: null,
            attempts: 0,
            seq: 0,
            leaseExpiresAt: null,
            receipt: null,
            updatedAt: late.createdAt,
            deadLetter: null,
            groupId: null,
            senderRoles: null,
          });
        },
        (generation) => {
          onSwap?.(generation);
          // issued in the same step as the swap: they must use the new places
          for (const id of expected.keys()) reads.push(store.get(Q, id));
        },
      );
    });
    expect(pending.length).toBeGreaterThanOrEqual(3);
    const before = new Map(expected);

    await store.compact(Q);
    await Promise.all(writes);
    const results = await Promise.all(reads);
    expect(results.length).toBe(before.size + expected.size);
    // a read sees the message as it was when the read was issued: before or after the racing writes
    const strip = ({ seq: _seq, ...rest }: StoredMessage) => rest;
    for (const message of results) {
      expect(message).not.toBeNull();
      const options = [before.get(message!.id), expected.get(message!.id)].filter((m) => m !== undefined).map((m) => strip(m));
      expect(options).toContainEqual(strip(message!));
    }
    const after = await everything(store);
    for (const message of after) expect(strip(message)).toEqual(strip(expected.get(message.id)!));
    expect(after).toHaveLength(expected.size);

    const restarted = await reopen(store, { payloadCacheBytes: 0 });
    expect(await everything(restarted)).toEqual(after);
  });

  it('serves recent payloads from a bounded cache and reads older ones from the journal', async () => {
    const readAt = jest.spyOn(Journal.prototype, 'readAt');
    const cached = await openStore({ payloadCacheBytes: 1024 * 1024 });
    const drafts = Array.from({ length: 10 }, () => draft({ body: blob(10_000) }));
    await cached.insert(drafts);
    const now = stores.clock.now();
    const claimed = await cached.claim(Q, { max: 10, now, leaseExpiresAt: now + 60_000 });
    expect(claimed.map((m) => m.request)).toEqual(drafts.map((d) => d.request));
    expect(readAt).not.toHaveBeenCalled();
    expect(cached.cachedPayloadBytes).toBeGreaterThan(0);
    expect(cached.cachedPayloadBytes).toBeLessThanOrEqual(1024 * 1024);

    // 100 messages of ~10 KB do not fit in 256 KiB: the first ones were evicted and are read back
    const small = await reopen(cached, { payloadCacheBytes: 256 * 1024 });
    readAt.mockClear();
    const more = Array.from({ length: 100 }, () => draft({ body: blob(10_000) }));
    for (let i = 0; i < more.length; i += 10) await small.insert(more.slice(i, i + 10));
    expect(small.cachedPayloadBytes).toBeLessThanOrEqual(256 * 1024);
    expect((await small.get(Q, more[99].id))!.request).toEqual(more[99].request);
    expect(readAt).not.toHaveBeenCalled();
    expect((await small.get(Q, more[0].id))!.request).toEqual(more[0].request);
    expect(readAt).toHaveBeenCalledTimes(1);
    // that read brought along the rest of its batch (read-ahead), concurrent reads share one read
    const next = await Promise.all(more.slice(1, 10).map((m) => small.get(Q, m.id)));
    expect(next.map((m) => m!.request)).toEqual(more.slice(1, 10).map((m) => m.request));
    expect(readAt).toHaveBeenCalledTimes(1);
    const [x, y] = await Promise.all([small.get(Q, more[10].id), small.get(Q, more[10].id)]);
    expect([x!.request, y!.request]).toEqual([more[10].request, more[10].request]);
    expect(readAt).toHaveBeenCalledTimes(2);
  });

  it('holds no payloads in memory for many settled 100 KB messages (memory bounded by metadata)', async () => {
    const store = await openStore();
    const count = 60;
    for (let i = 0; i < count; i += 10) await store.insert(Array.from({ length: 10 }, () => draft({ body: blob(100_000) })));
    for (let done = 0; done < count;) {
      const now = stores.clock.now();
      const claimed = await store.claim(Q, { max: 7, now, leaseExpiresAt: now + 60_000 });
      for (const message of claimed) {
        expect((message.request as { body: string }).body).toHaveLength(100_000);
        await store.settle(Q, message.id, message.receipt!, { status: 'COMPLETE', now, result: { out: blob(100_000) } });
      }
      done += claimed.length;
    }
    const footprint = store.payloadFootprint(Q);
    expect(footprint).toEqual({ messages: count, refs: 2 * count, unwritten: 0, inlineBytes: 0 });
    expect(store.cachedPayloadBytes).toBeLessThanOrEqual(8 * 1024 * 1024);
    const one = (await store.list(Q, { limit: 1, status: 'COMPLETE' })).items[0];
    expect((one.result as { out: string }).out).toHaveLength(100_000);
  });

  it('reads journals whose batch records are not in the canonical layout (points at the whole record)', async () => {
    fs.mkdirSync(path.join(stores.dir, 'queues'), { recursive: true });
    const message = {
      ...draft({ body: blob(2_000) }),
      status: 'PENDING',
      result: null,
      error: null,
      attempts: 0,
      updatedAt: stores.clock.now(),
      seq: 1,
      leaseExpiresAt: null,
      receipt: null,
      deadLetter: null,
    };
    const other = { ...message, id: randomUUID(), seq: 2, request: { body: blob(3_000) } };
    // indented JSON: serializing the parsed messages again does not give the same offsets
    const record = frameRecord(JSON.stringify({ t: 'i', ms: [message, other] }, null, 1));
    fs.writeFileSync(path.join(stores.dir, 'queues', `${Q}.journal`), record);
    const store = await openStore({ payloadCacheBytes: 0 });
    expect(store.payloadFootprint(Q)).toMatchObject({ messages: 2, refs: 2, inlineBytes: 0 });
    // written before messages had a group or sender roles: read back with none
    expect(await store.get(Q, message.id)).toEqual({ ...message, groupId: null, senderRoles: null });
    expect(await store.get(Q, other.id)).toEqual({ ...other, groupId: null, senderRoles: null });
    await store.compact(Q);
    expect(await store.get(Q, other.id)).toEqual({ ...other, groupId: null, senderRoles: null });
  });
});

describe('Journal.readAt', () => {
  it('refuses a location of a file a compaction replaced', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-journal-read-'));
    const { journal } = await Journal.open(path.join(dir, 'j.journal'));
    try {
      let place: [number, number] = [0, 0];
      await journal.append('{"a":1}', (gen, offset) => (place = [gen, offset]));
      await expect(journal.readAt(place[0], place[1] + 12, 7).then((b) => b.toString())).resolves.toBe('{"a":1}');
      const moved: Array<[number, number]> = [];
      await journal.compact(journal.position, async (write) => {
        await write([frameRecord('{"h":0}')]);
        // appended while the snapshot is written: copied over, and told its new place
        await journal.append('{"b":2}', (gen, offset) => moved.push([gen, offset]));
      });
      expect(moved).toHaveLength(2);
      expect(moved[1][0]).not.toBe(moved[0][0]);
      await expect(journal.readAt(moved[1][0], moved[1][1] + 12, 7).then((b) => b.toString())).resolves.toBe('{"b":2}');
      await expect(journal.readAt(place[0], place[1] + 12, 7)).rejects.toThrow(/stale location/);
    } finally {
      await journal.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Journal.open over a file larger than its read window', () => {
  it('finds the same records as a scan of the whole file: big records, a damaged one, a torn tail', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-journal-scan-'));
    const file = path.join(dir, 'big.journal');
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const records = Array.from({ length: 400 }, (_, i) => frameRecord(JSON.stringify({ i, pad: 'p'.repeat(i % 7 === 0 ? 100_000 : 500) })));
      records.splice(150, 0, frameRecord(JSON.stringify({ huge: 'h'.repeat(5 * 1024 * 1024) })));
      const data = Buffer.concat([...records, records[3].subarray(0, 40)]);
      const damagedAt = Buffer.concat(records.slice(0, 300)).length + 30;
      data[damagedAt] ^= 0xff;
      fs.writeFileSync(file, data);
      const expected = scanRecords(Buffer.from(data));
      expect(expected.skipped).toHaveLength(1);
      expect(expected.tailBytes).toBe(40);

      const { journal, payloads, sizes, offsets } = await Journal.open(file);
      await journal.close();
      expect(payloads).toEqual(expected.payloads);
      expect(sizes).toEqual(expected.sizes);
      expect(offsets).toEqual(expected.offsets);
      expect(fs.statSync(file).size).toBe(expected.validLength);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PayloadCache', () => {
  const ref = (size: number) => new PayloadRef('request', -1, undefined, size);

  it('evicts the least recently used payloads beyond its byte budget', () => {
    const cache = new PayloadCache(1000);
    const [a, b, c, d, e] = [ref(250), ref(250), ref(250), ref(250), ref(250)];
    cache.set(a, 'a');
    cache.set(b, 'b');
    cache.set(c, 'c');
    expect(cache.get(a)).toBe('a');
    cache.set(d, 'd');
    expect(cache.bytes).toBe(1000);
    cache.set(e, 'e');
    expect(cache.get(b)).toBe(MISS);
    expect([cache.get(a), cache.get(c), cache.get(d), cache.get(e)]).toEqual(['a', 'c', 'd', 'e']);
    expect(cache.bytes).toBe(1000);
    cache.set(ref(251), 'more than a quarter of the budget');
    expect(cache.size).toBe(4);
  });
});
