import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { Clock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import type { MessageStatus, StoredMessage } from '@app/domain/message';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';

class ManualClock extends Clock {
  current = Date.UTC(2026, 0, 1);
  now(): number {
    return this.current;
  }
}

/** A deterministic pseudo-random sequence (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The obvious, slow implementation of the same semantics: every question is a full scan. */
class Model {
  messages = new Map<string, StoredMessage>();
  kv = new Map<string, unknown>();
  nextSeq = 1;

  all(): StoredMessage[] {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }
  byKey(key: string): StoredMessage | undefined {
    return [...this.messages.values()].find((m) => m.idempotencyKey === key);
  }
  deliverable(now: number, max: number): StoredMessage[] {
    return this.all()
      .filter((m) => m.status === 'PENDING' && m.availableAt <= now)
      .slice(0, max);
  }
  expired(now: number, limit: number): StoredMessage[] {
    return this.all()
      .filter((m) => m.status === 'INPROGRESS' && m.leaseExpiresAt! < now)
      .sort((a, b) => a.leaseExpiresAt! - b.leaseExpiresAt! || a.seq - b.seq)
      .slice(0, limit);
  }
  stats() {
    const counts = { PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 };
    let oldest: number | null = null;
    for (const m of this.messages.values()) {
      counts[m.status]++;
      if (m.status === 'PENDING' && (oldest === null || m.createdAt < oldest)) oldest = m.createdAt;
    }
    return { counts, oldestPendingCreatedAt: oldest };
  }
}

describe('FilesystemMessageStore against a reference model (random operations, restarts, compactions)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-model-'));
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([1, 2, 3])('agrees with the model (seed %i)', async (seed) => {
    const rnd = random(seed);
    const pick = <T>(items: T[]): T | undefined => (items.length ? items[Math.floor(rnd() * items.length)] : undefined);
    const clock = new ManualClock();
    const options = { compactMinBytes: 16 * 1024, compactGarbageRatio: 1.5 };
    let store = new FilesystemMessageStore(dir, clock, options);
    await store.open();
    const model = new Model();
    const q = 'model';
    const codeOf = async (promise: Promise<unknown>) =>
      promise.then(
        () => 'ok',
        (e: unknown) => (e instanceof DomainError ? e.code : String(e)),
      );

    const compare = async () => {
      const listed: StoredMessage[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.list(q, { limit: 7, cursor });
        listed.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(listed).toEqual(model.all());
      for (const status of ['PENDING', 'INPROGRESS', 'COMPLETE', 'ERROR'] as MessageStatus[]) {
        expect((await store.list(q, { limit: 1000, status })).items).toEqual(model.all().filter((m) => m.status === status));
      }
      expect(await store.stats(q)).toEqual(model.stats());
      expect(await store.kvList(q)).toEqual([...model.kv.keys()].sort());
    };

    for (let step = 0; step < 500; step++) {
      const now = clock.now();
      const roll = rnd();
      if (roll < 0.2) {
        const count = 1 + Math.floor(rnd() * 4);
        const drafts = Array.from({ length: count }, () => ({
          id: randomUUID(),
          queue: q,
          request: { step, pad: 'x'.repeat(Math.floor(rnd() * 300)) },
          sentBy: rnd() < 0.5 ? 'alice' : null,
          createdAt: now,
          availableAt: now + (rnd() < 0.3 ? Math.floor(rnd() * 5000) : 0),
          idempotencyKey: rnd() < 0.3 ? `k${Math.floor(rnd() * 30)}` : null,
        }));
        const outcomes = await store.insert(drafts);
        const batchKeys = new Map<string, StoredMessage>();
        drafts.forEach((d, i) => {
          const known = d.idempotencyKey ? (model.byKey(d.idempotencyKey) ?? batchKeys.get(d.idempotencyKey)) : undefined;
          if (known) {
            expect(outcomes[i]).toEqual({ replayed: true, message: known });
            return;
          }
          const m: StoredMessage = {
            ...d,
            status: 'PENDING',
            result: null,
            error: null,
            attempts: 0,
            updatedAt: now,
            seq: model.nextSeq++,
            leaseExpiresAt: null,
            receipt: null,
            deadLetter: null,
            groupId: null,
            senderRoles: null,
          };
          if (d.idempotencyKey) batchKeys.set(d.idempotencyKey, m);
          model.messages.set(m.id, m);
          expect(outcomes[i]).toEqual({ replayed: false, message: m });
        });
      } else if (roll < 0.38) {
        const max = 1 + Math.floor(rnd() * 3);
        const lease = now + 1000 + Math.floor(rnd() * 5000);
        const expected = model.deliverable(now, max);
        const claimed = await store.claim(q, { max, now, leaseExpiresAt: lease });
        expect(claimed.map((m) => m.id)).toEqual(expected.map((m) => m.id));
        claimed.forEach((c, i) => {
          Object.assign(expected[i], { status: 'INPROGRESS', attempts: expected[i].attempts + 1, receipt: c.receipt, leaseExpiresAt: lease, updatedAt: now });
          expect(c).toEqual(expected[i]);
        });
      } else if (roll < 0.6) {
        const target = pick(model.all().filter((m) => m.status === 'INPROGRESS')) ?? pick(model.all());
        if (!target) continue;
        const stale = rnd() < 0.1;
        const receipt = stale ? 'stale' : (target.receipt ?? 'none');
        const kind = Math.floor(rnd() * 5);
        const settlement =
          kind === 0
            ? { status: 'COMPLETE' as const, now, result: { step }, error: null }
            : kind === 1
              ? { status: 'ERROR' as const, now, error: { name: 'Error', message: `s${step}` } }
              : {
                  status: 'PENDING' as const,
                  now,
                  availableAt: now + (kind === 2 ? 2000 : 0),
                  toEnd: kind === 3,
                  uncountAttempt: kind === 4,
                  error: kind === 2 ? { name: 'Retry', message: 'r' } : undefined,
                };
        const code = await codeOf(store.settle(q, target.id, receipt, settlement));
        if (target.status !== 'INPROGRESS' || stale) {
          expect(code).toBe('RECEIPT_STALE');
          continue;
        }
        expect(code).toBe('ok');
        Object.assign(target, { status: settlement.status, updatedAt: now, receipt: null, leaseExpiresAt: null });
        if ('result' in settlement) target.result = settlement.result;
        if (settlement.error !== undefined) target.error = settlement.error;
        if (settlement.status === 'PENDING') {
          target.availableAt = settlement.availableAt;
          if (settlement.uncountAttempt) target.attempts = Math.max(0, target.attempts - 1);
          if (settlement.toEnd) target.seq = model.nextSeq++;
        }
      } else if (roll < 0.65) {
        const target = pick(model.all().filter((m) => m.status === 'INPROGRESS'));
        if (!target) continue;
        const lease = now + Math.floor(rnd() * 8000);
        expect(await store.extendLease(q, target.id, target.receipt!, lease, now)).toEqual(Object.assign(target, { leaseExpiresAt: lease, updatedAt: now }));
      } else if (roll < 0.7) {
        const limit = 1 + Math.floor(rnd() * 4);
        expect(await store.findExpiredLeases(q, now, limit)).toEqual(model.expired(now, limit));
      } else if (roll < 0.75) {
        const target = pick(model.all());
        if (!target) continue;
        const code = await codeOf(store.requeue(q, target.id, now));
        if (target.status !== 'ERROR') {
          expect(code).toBe('MESSAGE_NOT_IN_ERROR');
          continue;
        }
        expect(code).toBe('ok');
        Object.assign(target, { status: 'PENDING', attempts: 0, availableAt: now, updatedAt: now, receipt: null, leaseExpiresAt: null });
      } else if (roll < 0.8) {
        const target = pick(model.all());
        if (!target) continue;
        expect(await store.delete(q, target.id)).toBe(true);
        model.messages.delete(target.id);
      } else if (roll < 0.83) {
        const rule = { processedBefore: now - Math.floor(rnd() * 20_000), allBefore: now - 40_000 - Math.floor(rnd() * 40_000), limit: 10_000 };
        const doomed = model.all().filter((m) => m.createdAt < rule.allBefore || (m.status === 'COMPLETE' && m.updatedAt < rule.processedBefore));
        expect(await store.applyRetention(q, rule)).toBe(doomed.length);
        for (const m of doomed) model.messages.delete(m.id);
      } else if (roll < 0.9) {
        const key = `kv${Math.floor(rnd() * 6)}`;
        if (rnd() < 0.7) {
          const value = { step, list: [step, 'x'] };
          await store.kvSet(q, key, value);
          model.kv.set(key, value);
        } else {
          expect(await store.kvDelete(q, key)).toBe(model.kv.delete(key));
        }
      } else if (roll < 0.93) {
        await store.compact(q);
      } else if (roll < 0.95) {
        await store.close();
        store = new FilesystemMessageStore(dir, clock, options);
        await store.open();
      } else if (roll < 0.951) {
        await store.purgeQueue(q);
        model.messages.clear();
        model.kv.clear();
        model.nextSeq = 1;
      } else {
        clock.current += Math.floor(rnd() * 3000);
      }
      if (step % 50 === 0) await compare();
    }
    await compare();
    await store.close();
    store = new FilesystemMessageStore(dir, clock, options);
    await store.open();
    await compare();
    await store.close();
  });
});
