import { randomBytes, randomUUID } from 'node:crypto';
import { DomainError } from '@app/common/domain-error';
import type { CatalogStore } from '@app/storage/ports/catalog.store';
import type { GrantStore } from '@app/storage/ports/grant.store';
import type { Grant } from '@app/domain/grant';
import type { QueueDefinition } from '@app/domain/queue';
import type { NewMessage, StoredMessage } from '@app/domain/message';
import type { MessageStore } from '@app/storage/ports/message.store';
import type { ManualClock } from '../support/time';

/**
 * Engine-independent behaviour of the storage ports. Each engine's spec calls these with a
 * factory; queue, topic and subject names carry a random suffix so engines that share one
 * database (SQL) do not see each other's data.
 */

export interface MessageStoreHarness {
  store: MessageStore;
  clock: ManualClock;
  cleanup: () => Promise<void>;
}

export interface SimpleHarness<T> {
  store: T;
  cleanup: () => Promise<void>;
}

export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

async function domainCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a DomainError, but the call succeeded');
}

export function messageStoreContract(label: string, make: () => Promise<MessageStoreHarness>): void {
  describe(`MessageStore contract: ${label}`, () => {
    let harness: MessageStoreHarness;
    let store: MessageStore;
    let clock: ManualClock;
    const run = uniqueSuffix();
    let counter = 0;
    const newQueue = () => `ct-${run}-${++counter}`;

    beforeAll(async () => {
      harness = await make();
      store = harness.store;
      clock = harness.clock;
    });
    afterAll(async () => {
      await harness?.cleanup();
    });

    function draft(queue: string, overrides: Partial<NewMessage> = {}): NewMessage {
      const now = clock.now();
      return {
        id: randomUUID(),
        queue,
        request: { n: counter, text: 'hello' },
        sentBy: 'alice',
        createdAt: now,
        availableAt: now,
        idempotencyKey: null,
        ...overrides,
      };
    }

    async function seed(queue: string, count: number): Promise<StoredMessage[]> {
      const outcomes = await store.insert(Array.from({ length: count }, (_, i) => draft(queue, { request: { i } })));
      return outcomes.map((o) => o.message);
    }

    async function claimOne(queue: string, leaseMs = 30_000): Promise<StoredMessage> {
      const now = clock.now();
      const [claimed] = await store.claim(queue, { max: 1, now, leaseExpiresAt: now + leaseMs });
      if (!claimed) throw new Error('nothing to claim');
      return claimed;
    }

    async function listAll(queue: string, status?: StoredMessage['status']): Promise<StoredMessage[]> {
      const out: StoredMessage[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 1000; guard++) {
        const page = await store.list(queue, { status, limit: 50, cursor });
        out.push(...page.items);
        if (!page.nextCursor) return out;
        cursor = page.nextCursor;
      }
      throw new Error('list did not terminate');
    }

    describe('insert, get, delete', () => {
      it('stores a new message as PENDING with defaults and reads it back', async () => {
        const queue = newQueue();
        const input = draft(queue, { request: { sku: 'A1', nested: { list: [1, 2, 3], ok: true, none: null } } });
        const [outcome] = await store.insert([input]);
        expect(outcome.replayed).toBe(false);
        expect(outcome.message).toMatchObject({
          id: input.id,
          queue,
          status: 'PENDING',
          request: { sku: 'A1', nested: { list: [1, 2, 3], ok: true, none: null } },
          result: null,
          error: null,
          attempts: 0,
          sentBy: 'alice',
          createdAt: input.createdAt,
          availableAt: input.availableAt,
          leaseExpiresAt: null,
          receipt: null,
          idempotencyKey: null,
          deadLetter: null,
        });
        expect(typeof outcome.message.seq).toBe('number');
        expect(await store.get(queue, input.id)).toEqual(outcome.message);
      });

      it('keeps scalar requests, a null sender and dead-letter information', async () => {
        const queue = newQueue();
        const deadLetter = { queue: 'origin', id: randomUUID(), error: { name: 'Error', message: 'boom' } };
        const [a, b] = await store.insert([draft(queue, { request: 'just a string', sentBy: null, deadLetter }), draft(queue, { request: 42 })]);
        expect(await store.get(queue, a.message.id)).toMatchObject({ request: 'just a string', sentBy: null, deadLetter });
        expect((await store.get(queue, b.message.id))?.request).toBe(42);
      });

      it("keeps the sender's roles through insert, claim, list and settle; a message without them reads senderRoles null", async () => {
        const queue = newQueue();
        const roles = ['queue_writer', 'r'.repeat(128), 'rôle-ü'];
        const [withRoles, none, unrecorded] = await store.insert([draft(queue, { senderRoles: roles }), draft(queue, { senderRoles: [] }), draft(queue)]);
        expect([withRoles, none, unrecorded].map((o) => o.message.senderRoles)).toEqual([roles, [], null]);
        expect((await store.get(queue, withRoles.message.id))?.senderRoles).toEqual(roles);
        expect((await store.get(queue, none.message.id))?.senderRoles).toEqual([]);
        expect((await store.get(queue, unrecorded.message.id))?.senderRoles).toBeNull();
        expect((await store.list(queue, { limit: 10 })).items.map((m) => m.senderRoles)).toEqual([roles, [], null]);
        const now = clock.now();
        const claimed = await store.claim(queue, { max: 3, now, leaseExpiresAt: now + 30_000 });
        expect(claimed.map((m) => m.senderRoles)).toEqual([roles, [], null]);
        const settled = await store.settle(queue, claimed[0].id, claimed[0].receipt!, { status: 'COMPLETE', now, result: { ok: true } });
        expect(settled.senderRoles).toEqual(roles);
      });

      it("keeps each message's roles when concurrent inserts and keyed inserts are stored together; a replay answers the first message's roles", async () => {
        const queue = newQueue();
        const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => store.insert([draft(queue, { senderRoles: i % 2 ? [`role-${i}`] : null })])));
        for (const [i, [outcome]] of outcomes.entries()) {
          expect((await store.get(queue, outcome.message.id))?.senderRoles).toEqual(i % 2 ? [`role-${i}`] : null);
        }
        const [first] = await store.insert([draft(queue, { idempotencyKey: 'roles-key', senderRoles: ['first'] })]);
        const [replay, other] = await store.insert([
          draft(queue, { idempotencyKey: 'roles-key', senderRoles: ['second'] }),
          draft(queue, { idempotencyKey: 'roles-other', senderRoles: ['third'] }),
        ]);
        expect(replay).toMatchObject({ replayed: true, message: { id: first.message.id, senderRoles: ['first'] } });
        expect((await store.get(queue, other.message.id))?.senderRoles).toEqual(['third']);
      });

      it('returns null for an unknown id and for an id of another queue', async () => {
        const queue = newQueue();
        const [m] = await seed(queue, 1);
        expect(await store.get(queue, randomUUID())).toBeNull();
        expect(await store.get(newQueue(), m.id)).toBeNull();
      });

      it('deletes a message once', async () => {
        const queue = newQueue();
        const [m, other] = await seed(queue, 2);
        expect(await store.delete(queue, m.id)).toBe(true);
        expect(await store.get(queue, m.id)).toBeNull();
        expect(await store.delete(queue, m.id)).toBe(false);
        expect(await store.delete(queue, randomUUID())).toBe(false);
        expect((await listAll(queue)).map((x) => x.id)).toEqual([other.id]);
        expect((await store.stats(queue)).counts.PENDING).toBe(1);
      });

      it('stores a batch all or none: a conflicting message stores nothing', async () => {
        const queue = newQueue();
        const [existing] = await seed(queue, 1);
        const fresh = draft(queue);
        await expect(store.insert([fresh, draft(queue, { id: existing.id })])).rejects.toBeDefined();
        expect(await store.get(queue, fresh.id)).toBeNull();
        expect((await listAll(queue)).map((m) => m.id)).toEqual([existing.id]);
      });

      it('stores a large message (200 KB, multi-byte text) intact', async () => {
        const queue = newQueue();
        const big = { blob: 'x'.repeat(150 * 1024), unicode: 'żółć 🚀 '.repeat(4000), list: Array.from({ length: 500 }, (_, i) => i) };
        const [outcome] = await store.insert([draft(queue, { request: big })]);
        expect((await store.get(queue, outcome.message.id))?.request).toEqual(big);
        const claimed = await claimOne(queue);
        expect(claimed.request).toEqual(big);
      });
    });

    describe('idempotency', () => {
      it('answers a known key with the first message and stores nothing new', async () => {
        const queue = newQueue();
        const [first] = await store.insert([draft(queue, { idempotencyKey: 'key-1', request: { v: 1 } })]);
        const [again] = await store.insert([draft(queue, { idempotencyKey: 'key-1', request: { v: 2 } })]);
        expect(first.replayed).toBe(false);
        expect(again.replayed).toBe(true);
        expect(again.message.id).toBe(first.message.id);
        expect(again.message.request).toEqual({ v: 1 });
        expect(await listAll(queue)).toHaveLength(1);
      });

      it('scopes keys to a queue', async () => {
        const a = newQueue();
        const b = newQueue();
        await store.insert([draft(a, { idempotencyKey: 'shared' })]);
        const [other] = await store.insert([draft(b, { idempotencyKey: 'shared' })]);
        expect(other.replayed).toBe(false);
        expect(other.message.queue).toBe(b);
      });

      it('mixes replayed and new messages in one batch, in order', async () => {
        const queue = newQueue();
        const [first] = await store.insert([draft(queue, { idempotencyKey: 'k:0' })]);
        const outcomes = await store.insert([draft(queue, { idempotencyKey: 'k:0' }), draft(queue, { idempotencyKey: 'k:1' })]);
        expect(outcomes.map((o) => o.replayed)).toEqual([true, false]);
        expect(outcomes[0].message.id).toBe(first.message.id);
        expect(await listAll(queue)).toHaveLength(2);
      });

      it('compares keys exactly (case and trailing spaces count) and keeps keys of 255 characters', async () => {
        const queue = newQueue();
        const keys = ['order-1', 'order-1 ', 'Order-1', 'k'.repeat(255)];
        const first = await store.insert(keys.map((idempotencyKey) => draft(queue, { idempotencyKey, request: { idempotencyKey } })));
        expect(first.map((o) => o.replayed)).toEqual([false, false, false, false]);
        const again = await store.insert(keys.map((idempotencyKey) => draft(queue, { idempotencyKey, request: { again: true } })));
        expect(again.map((o) => o.replayed)).toEqual([true, true, true, true]);
        expect(again.map((o) => o.message.id)).toEqual(first.map((o) => o.message.id));
        expect(again.map((o) => o.message.request)).toEqual(keys.map((idempotencyKey) => ({ idempotencyKey })));
        expect(await listAll(queue)).toHaveLength(4);
      });

      it('replays concurrent inserts of one key as a single message', async () => {
        const queue = newQueue();
        const outcomes = await Promise.all(Array.from({ length: 5 }, () => store.insert([draft(queue, { idempotencyKey: 'race' })]).catch(() => null)));
        const ok = outcomes.filter((o) => o !== null).map((o) => o[0]);
        expect(ok.length).toBeGreaterThan(0);
        expect(new Set(ok.map((o) => o.message.id)).size).toBe(1);
        expect(await listAll(queue)).toHaveLength(1);
      });
    });

    describe('list', () => {
      it('pages in seq order with an opaque cursor', async () => {
        const queue = newQueue();
        const seeded = await seed(queue, 5);
        const seqs = seeded.map((m) => m.seq);
        expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
        expect(new Set(seqs).size).toBe(5);

        const first = await store.list(queue, { limit: 2 });
        expect(first.items.map((m) => m.id)).toEqual(seeded.slice(0, 2).map((m) => m.id));
        expect(first.nextCursor).toEqual(expect.any(String));
        const second = await store.list(queue, { limit: 2, cursor: first.nextCursor });
        expect(second.items.map((m) => m.id)).toEqual(seeded.slice(2, 4).map((m) => m.id));
        const third = await store.list(queue, { limit: 2, cursor: second.nextCursor });
        expect(third.items.map((m) => m.id)).toEqual([seeded[4].id]);
        expect(third.nextCursor).toBeNull();
      });

      it('filters by status', async () => {
        const queue = newQueue();
        const seeded = await seed(queue, 5);
        const now = clock.now();
        const claimed = await store.claim(queue, { max: 2, now, leaseExpiresAt: now + 1000 });
        const inProgress = await listAll(queue, 'INPROGRESS');
        expect(inProgress.map((m) => m.id)).toEqual(claimed.map((m) => m.id));
        const page = await store.list(queue, { status: 'PENDING', limit: 2 });
        expect(page.items.map((m) => m.id)).toEqual(seeded.slice(2, 4).map((m) => m.id));
        const rest = await store.list(queue, { status: 'PENDING', limit: 2, cursor: page.nextCursor });
        expect(rest.items.map((m) => m.id)).toEqual([seeded[4].id]);
        expect(await listAll(queue, 'ERROR')).toEqual([]);
      });

      it('returns an empty page for an unknown queue', async () => {
        expect(await store.list(newQueue(), { limit: 10 })).toEqual({ items: [], nextCursor: null });
      });

      it('rejects a malformed cursor with INVALID_CURSOR', async () => {
        const queue = newQueue();
        await seed(queue, 1);
        expect(await domainCode(store.list(queue, { limit: 10, cursor: 'not a cursor!' }))).toBe('INVALID_CURSOR');
      });
    });

    describe('claim', () => {
      it('leases the lowest seq first: INPROGRESS, attempts + 1, a receipt and the lease', async () => {
        const queue = newQueue();
        const seeded = await seed(queue, 3);
        clock.advance(1000);
        const now = clock.now();
        const claimed = await store.claim(queue, { max: 2, now, leaseExpiresAt: now + 30_000 });
        expect(claimed.map((m) => m.id)).toEqual([seeded[0].id, seeded[1].id]);
        for (const m of claimed) {
          expect(m).toMatchObject({ status: 'INPROGRESS', attempts: 1, leaseExpiresAt: now + 30_000, updatedAt: now });
          expect(m.receipt).toEqual(expect.any(String));
          expect(m.receipt!.length).toBeGreaterThan(8);
        }
        expect(claimed[0].receipt).not.toBe(claimed[1].receipt);
        expect(await store.get(queue, seeded[0].id)).toMatchObject({ status: 'INPROGRESS', receipt: claimed[0].receipt });

        const rest = await store.claim(queue, { max: 5, now, leaseExpiresAt: now + 30_000 });
        expect(rest.map((m) => m.id)).toEqual([seeded[2].id]);
        expect(await store.claim(queue, { max: 5, now, leaseExpiresAt: now + 30_000 })).toEqual([]);
      });

      it('never hands one message to two concurrent claimers', async () => {
        const queue = newQueue();
        await seed(queue, 12);
        const now = clock.now();
        const batches = await Promise.all(Array.from({ length: 6 }, () => store.claim(queue, { max: 3, now, leaseExpiresAt: now + 1000 })));
        const ids = batches.flat().map((m) => m.id);
        expect(ids).toHaveLength(12);
        expect(new Set(ids).size).toBe(12);
      });

      it('does not deliver a delayed message before availableAt', async () => {
        const queue = newQueue();
        const now = clock.now();
        const [delayed] = await store.insert([draft(queue, { availableAt: now + 10_000 })]);
        const [ready] = await seed(queue, 1);
        const first = await store.claim(queue, { max: 10, now, leaseExpiresAt: now + 1000 });
        expect(first.map((m) => m.id)).toEqual([ready.id]);
        clock.advance(10_000);
        const later = clock.now();
        const second = await store.claim(queue, { max: 10, now: later, leaseExpiresAt: later + 1000 });
        expect(second.map((m) => m.id)).toEqual([delayed.message.id]);
      });

      it('claims nothing from an empty or unknown queue', async () => {
        const now = clock.now();
        expect(await store.claim(newQueue(), { max: 5, now, leaseExpiresAt: now + 1000 })).toEqual([]);
      });
    });

    describe('settle', () => {
      it('completes with a result and clears the lease', async () => {
        const queue = newQueue();
        await seed(queue, 1);
        const leased = await claimOne(queue);
        clock.advance(500);
        const done = await store.settle(queue, leased.id, leased.receipt!, { status: 'COMPLETE', now: clock.now(), result: { ok: true }, error: null });
        expect(done).toMatchObject({
          id: leased.id,
          status: 'COMPLETE',
          result: { ok: true },
          error: null,
          attempts: 1,
          updatedAt: clock.now(),
          receipt: null,
          leaseExpiresAt: null,
        });
        expect(await store.get(queue, leased.id)).toEqual(done);
      });

      it('ends a message as ERROR with the error', async () => {
        const queue = newQueue();
        await seed(queue, 1);
        const leased = await claimOne(queue);
        const error = { name: 'TypeError', message: 'bad', code: 'E1' };
        const failed = await store.settle(queue, leased.id, leased.receipt!, { status: 'ERROR', now: clock.now(), error });
        expect(failed).toMatchObject({ status: 'ERROR', error, receipt: null, leaseExpiresAt: null });
      });

      it('is a compare-and-set on the receipt (RECEIPT_STALE changes nothing)', async () => {
        const queue = newQueue();
        await seed(queue, 1);
        const leased = await claimOne(queue);
        expect(await domainCode(store.settle(queue, leased.id, 'not-the-receipt', { status: 'COMPLETE', now: clock.now(), result: 1 }))).toBe('RECEIPT_STALE');
        expect(await store.get(queue, leased.id)).toEqual(leased);
        await store.settle(queue, leased.id, leased.receipt!, { status: 'COMPLETE', now: clock.now(), result: 1 });
        expect(await domainCode(store.settle(queue, leased.id, leased.receipt!, { status: 'ERROR', now: clock.now() }))).toBe('RECEIPT_STALE');
        expect((await store.get(queue, leased.id))?.status).toBe('COMPLETE');
      });

      it('rejects the receipt of an earlier delivery', async () => {
        const queue = newQueue();
        await seed(queue, 1);
        const first = await claimOne(queue);
        await store.settle(queue, first.id, first.receipt!, { status: 'PENDING', now: clock.now(), availableAt: clock.now() });
        const second = await claimOne(queue);
        expect(second.id).toBe(first.id);
        expect(second.attempts).toBe(2);
        expect(second.receipt).not.toBe(first.receipt);
        expect(await domainCode(store.settle(queue, first.id, first.receipt!, { status: 'COMPLETE', now: clock.now() }))).toBe('RECEIPT_STALE');
        expect(await domainCode(store.extendLease(queue, first.id, first.receipt!, clock.now() + 5000, clock.now()))).toBe('RECEIPT_STALE');
      });

      it('answers MESSAGE_NOT_FOUND for an unknown message', async () => {
        const queue = newQueue();
        await seed(queue, 1);
        expect(await domainCode(store.settle(queue, randomUUID(), 'r', { status: 'COMPLETE', now: clock.now() }))).toBe('MESSAGE_NOT_FOUND');
        expect(await domainCode(store.extendLease(queue, randomUUID(), 'r', clock.now() + 1000, clock.now()))).toBe('MESSAGE_NOT_FOUND');
      });

      it('answers RECEIPT_STALE for a message that is not INPROGRESS', async () => {
        const queue = newQueue();
        const [m] = await seed(queue, 1);
        expect(await domainCode(store.settle(queue, m.id, 'anything', { status: 'COMPLETE', now: clock.now() }))).toBe('RECEIPT_STALE');
      });

      it('retries in place: PENDING keeps its seq, its error and waits for availableAt', async () => {
        const queue = newQueue();
        const [a, b] = await seed(queue, 2);
        const leased = await claimOne(queue);
        expect(leased.id).toBe(a.id);
        const error = { name: 'Error', message: 'try again' };
        const retried = await store.settle(queue, a.id, leased.receipt!, { status: 'PENDING', now: clock.now(), error, availableAt: clock.now() + 5000 });
        expect(retried).toMatchObject({
          status: 'PENDING',
          attempts: 1,
          error,
          seq: a.seq,
          receipt: null,
          leaseExpiresAt: null,
          availableAt: clock.now() + 5000,
        });
        expect((await claimOne(queue)).id).toBe(b.id);
        const now = clock.now();
        expect(await store.claim(queue, { max: 5, now, leaseExpiresAt: now + 1000 })).toEqual([]);
        clock.advance(5000);
        expect(await claimOne(queue)).toMatchObject({ id: a.id, attempts: 2 });
      });

      it('returns to the end of the queue with a fresh, larger seq (toEnd)', async () => {
        const queue = newQueue();
        const [a, b, c] = await seed(queue, 3);
        const leased = await claimOne(queue);
        const moved = await store.settle(queue, a.id, leased.receipt!, { status: 'PENDING', now: clock.now(), availableAt: clock.now(), toEnd: true });
        expect(moved.seq).toBeGreaterThan(c.seq);
        const now = clock.now();
        const order = await store.claim(queue, { max: 3, now, leaseExpiresAt: now + 1000 });
        expect(order.map((m) => m.id)).toEqual([b.id, c.id, a.id]);
        expect((await listAll(queue)).map((m) => m.id)).toEqual([b.id, c.id, a.id]);
      });

      it('keeps its place without toEnd', async () => {
        const queue = newQueue();
        const [a, b] = await seed(queue, 2);
        const leased = await claimOne(queue);
        await store.settle(queue, a.id, leased.receipt!, { status: 'PENDING', now: clock.now(), availableAt: clock.now() });
        const now = clock.now();
        expect((await store.claim(queue, { max: 2, now, leaseExpiresAt: now + 1000 })).map((m) => m.id)).toEqual([a.id, b.id]);
      });

      it('settles many leased messages at once, each with its own outcome', async () => {
        const queue = newQueue();
        const seeded = await seed(queue, 12);
        const now = clock.now();
        const leased = await store.claim(queue, { max: 12, now, leaseExpiresAt: now + 30_000 });
        expect(leased).toHaveLength(12);
        clock.advance(100);
        const settled = await Promise.all(
          leased.map((m, i) => {
            if (i % 3 === 0) return store.settle(queue, m.id, m.receipt!, { status: 'COMPLETE', now: clock.now(), result: { i }, error: null });
            if (i % 3 === 1) return store.settle(queue, m.id, m.receipt!, { status: 'ERROR', now: clock.now(), error: { name: 'E', message: `m${i}` } });
            return store.settle(queue, m.id, m.receipt!, {
              status: 'PENDING',
              now: clock.now(),
              availableAt: clock.now() + 1000,
              error: { name: 'R', message: `r${i}` },
            });
          }),
        );
        settled.forEach((message, i) => {
          const base = {
            id: leased[i].id,
            receipt: null,
            leaseExpiresAt: null,
            attempts: 1,
            updatedAt: clock.now(),
            seq: leased[i].seq,
            request: leased[i].request,
          };
          if (i % 3 === 0) expect(message).toMatchObject({ ...base, status: 'COMPLETE', result: { i }, error: null });
          if (i % 3 === 1) expect(message).toMatchObject({ ...base, status: 'ERROR', result: null, error: { name: 'E', message: `m${i}` } });
          if (i % 3 === 2)
            expect(message).toMatchObject({ ...base, status: 'PENDING', availableAt: clock.now() + 1000, error: { name: 'R', message: `r${i}` } });
        });
        for (const message of settled) expect(await store.get(queue, message.id)).toEqual(message);
        expect(new Set(settled.map((m) => m.id))).toEqual(new Set(seeded.map((m) => m.id)));
      });

      it('answers RECEIPT_STALE to a stale receipt among concurrent settlements, changing nothing, while the others land', async () => {
        const queue = newQueue();
        await seed(queue, 5);
        const now = clock.now();
        const leased = await store.claim(queue, { max: 5, now, leaseExpiresAt: now + 30_000 });
        const outcomes = await Promise.allSettled(
          leased.map((m, i) => store.settle(queue, m.id, i === 2 ? 'not-the-receipt' : m.receipt!, { status: 'COMPLETE', now: clock.now(), result: i })),
        );
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect(((outcomes[2] as PromiseRejectedResult).reason as DomainError).code).toBe('RECEIPT_STALE');
        expect(await store.get(queue, leased[2].id)).toEqual(leased[2]);
        for (const i of [0, 1, 3, 4]) expect(await store.get(queue, leased[i].id)).toMatchObject({ status: 'COMPLETE', result: i });
      });

      it('answers MESSAGE_NOT_FOUND to an unknown id among concurrent settlements', async () => {
        const queue = newQueue();
        await seed(queue, 2);
        const now = clock.now();
        const [a, b] = await store.claim(queue, { max: 2, now, leaseExpiresAt: now + 30_000 });
        const [first, missing, second] = await Promise.allSettled([
          store.settle(queue, a.id, a.receipt!, { status: 'COMPLETE', now: clock.now() }),
          store.settle(queue, randomUUID(), a.receipt!, { status: 'COMPLETE', now: clock.now() }),
          store.settle(queue, b.id, b.receipt!, { status: 'ERROR', now: clock.now(), error: { name: 'E', message: 'x' } }),
        ]);
        expect(first).toMatchObject({ status: 'fulfilled', value: { id: a.id, status: 'COMPLETE' } });
        expect(missing.status === 'rejected' && (missing.reason as DomainError).code).toBe('MESSAGE_NOT_FOUND');
        expect(second).toMatchObject({ status: 'fulfilled', value: { id: b.id, status: 'ERROR' } });
      });

      it('lets exactly one of two concurrent settlements of one message win', async () => {
        const queue = newQueue();
        await seed(queue, 1);
        const leased = await claimOne(queue);
        const outcomes = await Promise.allSettled([
          store.settle(queue, leased.id, leased.receipt!, { status: 'COMPLETE', now: clock.now(), result: 'first' }),
          store.settle(queue, leased.id, leased.receipt!, { status: 'ERROR', now: clock.now(), error: { name: 'E', message: 'second' } }),
        ]);
        expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
        const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect((lost.reason as DomainError).code).toBe('RECEIPT_STALE');
        const won = (outcomes.find((o) => o.status === 'fulfilled') as PromiseFulfilledResult<StoredMessage>).value;
        expect(await store.get(queue, leased.id)).toEqual(won);
      });

      it('moves concurrent returns to the end and undoes their attempts, in one go', async () => {
        const queue = newQueue();
        const [a, b, c] = await seed(queue, 3);
        const now = clock.now();
        const [la, lb] = await store.claim(queue, { max: 2, now, leaseExpiresAt: now + 30_000 });
        const [ra, rb] = await Promise.all([
          store.settle(queue, la.id, la.receipt!, { status: 'PENDING', now: clock.now(), availableAt: clock.now(), toEnd: true, uncountAttempt: true }),
          store.settle(queue, lb.id, lb.receipt!, { status: 'PENDING', now: clock.now(), availableAt: clock.now(), uncountAttempt: true }),
        ]);
        expect(ra).toMatchObject({ id: a.id, attempts: 0, status: 'PENDING' });
        expect(ra.seq).toBeGreaterThan(c.seq);
        expect(rb).toMatchObject({ id: b.id, attempts: 0, seq: b.seq });
        const order = await store.claim(queue, { max: 3, now: clock.now(), leaseExpiresAt: clock.now() + 1000 });
        expect(order.map((m) => m.id)).toEqual([b.id, c.id, a.id]);
      });

      it('undoes the counted attempt with uncountAttempt', async () => {
        const queue = newQueue();
        await seed(queue, 1);
        const leased = await claimOne(queue);
        expect(leased.attempts).toBe(1);
        const back = await store.settle(queue, leased.id, leased.receipt!, {
          status: 'PENDING',
          now: clock.now(),
          availableAt: clock.now(),
          uncountAttempt: true,
        });
        expect(back.attempts).toBe(0);
        expect((await claimOne(queue)).attempts).toBe(1);
      });
    });

    describe('leases', () => {
      it('extends a lease (compare-and-set on the receipt)', async () => {
        const queue = newQueue();
        await seed(queue, 1);
        const leased = await claimOne(queue, 1000);
        clock.advance(200);
        const extended = await store.extendLease(queue, leased.id, leased.receipt!, clock.now() + 60_000, clock.now());
        expect(extended).toMatchObject({ status: 'INPROGRESS', receipt: leased.receipt, leaseExpiresAt: clock.now() + 60_000, attempts: 1 });
        expect(await domainCode(store.extendLease(queue, leased.id, 'wrong', clock.now() + 1, clock.now()))).toBe('RECEIPT_STALE');
        await store.settle(queue, leased.id, leased.receipt!, { status: 'COMPLETE', now: clock.now() });
        expect(await domainCode(store.extendLease(queue, leased.id, leased.receipt!, clock.now() + 1, clock.now()))).toBe('RECEIPT_STALE');
      });

      it('settles with leaseActiveAt only while the lease is current, changing nothing otherwise', async () => {
        const queue = newQueue();
        await seed(queue, 2);
        const early = await claimOne(queue, 1000);
        const late = await claimOne(queue, 1000);
        const done = await store.settle(queue, early.id, early.receipt!, { status: 'COMPLETE', now: clock.now(), result: 1, leaseActiveAt: clock.now() + 999 });
        expect(done.status).toBe('COMPLETE');
        clock.advance(1000);
        expect(await domainCode(store.settle(queue, late.id, late.receipt!, { status: 'COMPLETE', now: clock.now(), leaseActiveAt: clock.now() }))).toBe(
          'RECEIPT_STALE',
        );
        expect(await store.get(queue, late.id)).toMatchObject({ status: 'INPROGRESS', receipt: late.receipt, result: null });
        const outcome = await store.settle(queue, late.id, late.receipt!, { status: 'ERROR', now: clock.now(), error: { name: 'LeaseExpired', message: 'x' } });
        expect(outcome.status).toBe('ERROR');
      });
      it('finds expired leases, oldest lease first, up to the limit', async () => {
        const queue = newQueue();
        await seed(queue, 4);
        const base = clock.now();
        const [l1] = await store.claim(queue, { max: 1, now: base, leaseExpiresAt: base + 3000 });
        const [l2] = await store.claim(queue, { max: 1, now: base, leaseExpiresAt: base + 1000 });
        const [l3] = await store.claim(queue, { max: 1, now: base, leaseExpiresAt: base + 2000 });
        const [l4] = await store.claim(queue, { max: 1, now: base, leaseExpiresAt: base + 60_000 });
        expect(await store.findExpiredLeases(queue, base + 500, 10)).toEqual([]);
        const expired = await store.findExpiredLeases(queue, base + 5000, 10);
        expect(expired.map((m) => m.id)).toEqual([l2.id, l3.id, l1.id]);
        expect(expired.map((m) => m.receipt)).toEqual([l2.receipt, l3.receipt, l1.receipt]);
        expect(expired.map((m) => m.id)).not.toContain(l4.id);
        expect((await store.findExpiredLeases(queue, base + 5000, 2)).map((m) => m.id)).toEqual([l2.id, l3.id]);
        await store.settle(queue, l2.id, l2.receipt!, { status: 'COMPLETE', now: base + 5000 });
        await store.extendLease(queue, l3.id, l3.receipt!, base + 100_000, base + 5000);
        expect((await store.findExpiredLeases(queue, base + 5000, 10)).map((m) => m.id)).toEqual([l1.id]);
      });

      it('finds the expired leases of several queues at once, oldest lease first, up to the limit, and none of other queues', async () => {
        const [q1, q2, other] = [newQueue(), newQueue(), newQueue()];
        for (const queue of [q1, q2, other]) await seed(queue, 2);
        const base = clock.now();
        const [a] = await store.claim(q1, { max: 1, now: base, leaseExpiresAt: base + 2000 });
        const [b] = await store.claim(q2, { max: 1, now: base, leaseExpiresAt: base + 1000 });
        await store.claim(q2, { max: 1, now: base, leaseExpiresAt: base + 60_000 });
        await store.claim(other, { max: 1, now: base, leaseExpiresAt: base + 500 });
        expect(await store.findExpiredLeasesIn([q1, q2], base + 900, 10)).toEqual([]);
        const expired = await store.findExpiredLeasesIn([q1, q2], base + 5000, 10);
        expect(expired.map((m) => [m.queue, m.id, m.receipt])).toEqual([
          [q2, b.id, b.receipt],
          [q1, a.id, a.receipt],
        ]);
        expect((await store.findExpiredLeasesIn([q1, q2], base + 5000, 1)).map((m) => m.id)).toEqual([b.id]);
      });

      it('redelivers an expired receive lease at its place, counting receives (lease expiry without a receive limit)', async () => {
        const queue = newQueue();
        const [a, b] = await seed(queue, 2);
        const first = await claimOne(queue, 1000);
        clock.advance(1001);
        const [expired] = await store.findExpiredLeases(queue, clock.now(), 10);
        expect(expired).toMatchObject({ id: a.id, receipt: first.receipt, attempts: 1 });
        const error = { name: 'LeaseExpired', message: 'lease expired after receive 1' };
        const back = await store.settle(queue, a.id, first.receipt!, { status: 'PENDING', now: clock.now(), error, availableAt: clock.now() });
        expect(back).toMatchObject({ status: 'PENDING', attempts: 1, seq: a.seq, error, receipt: null, leaseExpiresAt: null });
        expect(await store.findExpiredLeases(queue, clock.now(), 10)).toEqual([]);
        const second = await claimOne(queue, 1000);
        expect(second).toMatchObject({ id: a.id, attempts: 2 });
        expect(second.receipt).not.toBe(first.receipt);
        expect(await domainCode(store.settle(queue, a.id, first.receipt!, { status: 'COMPLETE', now: clock.now() }))).toBe('RECEIPT_STALE');
        expect((await store.get(queue, b.id))!.attempts).toBe(0);
      });

      it('requeues an ERROR message as PENDING with attempts reset', async () => {
        const queue = newQueue();
        const [m] = await seed(queue, 1);
        expect(await domainCode(store.requeue(queue, m.id, clock.now()))).toBe('MESSAGE_NOT_IN_ERROR');
        const leased = await claimOne(queue);
        expect(await domainCode(store.requeue(queue, m.id, clock.now()))).toBe('MESSAGE_NOT_IN_ERROR');
        await store.settle(queue, m.id, leased.receipt!, { status: 'ERROR', now: clock.now(), error: { name: 'Error', message: 'x' } });
        clock.advance(100);
        const requeued = await store.requeue(queue, m.id, clock.now());
        expect(requeued).toMatchObject({ id: m.id, status: 'PENDING', attempts: 0, receipt: null, leaseExpiresAt: null, updatedAt: clock.now() });
        expect(requeued.availableAt).toBeLessThanOrEqual(clock.now());
        expect((await claimOne(queue)).id).toBe(m.id);
        expect(await domainCode(store.requeue(queue, randomUUID(), clock.now()))).toBe('MESSAGE_NOT_FOUND');
      });
    });

    describe('stats and retention', () => {
      it('counts by status with the createdAt of the oldest pending message', async () => {
        const queue = newQueue();
        expect(await store.stats(queue)).toEqual({ counts: { PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 }, oldestPendingCreatedAt: null });
        const t0 = clock.now();
        await seed(queue, 2);
        clock.advance(1000);
        await seed(queue, 3);
        const leased = await claimOne(queue);
        await store.settle(queue, leased.id, leased.receipt!, { status: 'COMPLETE', now: clock.now() });
        const second = await claimOne(queue);
        await store.settle(queue, second.id, second.receipt!, { status: 'ERROR', now: clock.now() });
        await claimOne(queue);
        expect(await store.stats(queue)).toEqual({ counts: { PENDING: 2, INPROGRESS: 1, COMPLETE: 1, ERROR: 1 }, oldestPendingCreatedAt: t0 + 1000 });
      });

      it('deletes old processed messages and anything too old, in bounded batches', async () => {
        const queue = newQueue();
        const t0 = clock.now();
        const [old] = (await store.insert([draft(queue, { availableAt: t0 + 1e9 })])).map((o) => o.message);
        clock.advance(10_000);
        const processed = await seed(queue, 3);
        const kept = await seed(queue, 1);
        for (const m of processed) {
          const leased = await claimOne(queue);
          expect(leased.id).toBe(m.id);
          await store.settle(queue, m.id, leased.receipt!, { status: 'COMPLETE', now: clock.now() });
        }
        clock.advance(10_000);
        const young = await claimOne(queue);
        expect(young.id).toBe(kept[0].id);
        await store.settle(queue, young.id, young.receipt!, { status: 'COMPLETE', now: clock.now() });

        const rule = { processedBefore: t0 + 15_000, allBefore: t0 + 5000, limit: 2 };
        let deleted = 0;
        for (let i = 0; i < 10; i++) {
          const n = await store.applyRetention(queue, rule);
          expect(n).toBeLessThanOrEqual(2);
          if (n === 0) break;
          deleted += n;
        }
        expect(deleted).toBe(4);
        expect(await store.get(queue, old.id)).toBeNull();
        expect((await listAll(queue)).map((m) => m.id)).toEqual([kept[0].id]);
        expect((await store.stats(queue)).counts.COMPLETE).toBe(1);
      });
    });

    describe('purge and dead-letter lookups', () => {
      it('deletes at most `limit` messages, lowest seq first, of one status or of any', async () => {
        const queue = newQueue();
        const seeded = await seed(queue, 5);
        const leased = await claimOne(queue);
        await store.settle(queue, leased.id, leased.receipt!, { status: 'ERROR', now: clock.now(), error: { name: 'E', message: 'x' } });
        const inFlight = await claimOne(queue);
        expect(await store.deleteMessages(queue, { status: 'ERROR', limit: 10 })).toBe(1);
        expect(await store.get(queue, leased.id)).toBeNull();
        expect(await store.deleteMessages(queue, { status: 'ERROR', limit: 10 })).toBe(0);
        expect(await store.deleteMessages(queue, { status: 'PENDING', limit: 2 })).toBe(2);
        expect((await listAll(queue)).map((m) => m.id)).toEqual([inFlight.id, seeded[4].id]);
        expect(await store.deleteMessages(queue, { limit: 10 })).toBe(2);
        expect((await store.stats(queue)).counts).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 });
        expect(await store.deleteMessages(queue, { limit: 10 })).toBe(0);
        expect(await store.deleteMessages(newQueue(), { limit: 10 })).toBe(0);
      });

      it('leaves other queues and frees the idempotency keys of what it deleted', async () => {
        const a = newQueue();
        const b = newQueue();
        await store.insert([draft(a, { idempotencyKey: 'k' })]);
        const [kept] = await store.insert([draft(b, { idempotencyKey: 'k' })]);
        expect(await store.deleteMessages(a, { limit: 10 })).toBe(1);
        expect((await listAll(b)).map((m) => m.id)).toEqual([kept.message.id]);
        const [again] = await store.insert([draft(a, { idempotencyKey: 'k' })]);
        expect(again.replayed).toBe(false);
      });

      it('finds a message by its idempotency key, in its queue only', async () => {
        const a = newQueue();
        const b = newQueue();
        const deadLetter = { queue: 'orders', id: randomUUID(), error: { name: 'E', message: 'x' } };
        const [stored] = await store.insert([draft(a, { idempotencyKey: 'dead-letter:orders:1:2', deadLetter })]);
        expect(await store.findByIdempotencyKey(a, 'dead-letter:orders:1:2')).toMatchObject({ id: stored.message.id, deadLetter });
        expect(await store.findByIdempotencyKey(b, 'dead-letter:orders:1:2')).toBeNull();
        expect(await store.findByIdempotencyKey(a, 'other')).toBeNull();
        await store.delete(a, stored.message.id);
        expect(await store.findByIdempotencyKey(a, 'dead-letter:orders:1:2')).toBeNull();
      });
    });

    describe('queues are isolated', () => {
      it('purges one queue (messages, keys, key-value entries) and leaves the others', async () => {
        const a = newQueue();
        const b = newQueue();
        await store.insert([draft(a, { idempotencyKey: 'k' }), draft(a)]);
        const [kept] = await store.insert([draft(b, { idempotencyKey: 'k' })]);
        await store.kvSet(a, 'x', 1);
        await store.kvSet(b, 'x', 2);
        await store.purgeQueue(a);
        expect(await listAll(a)).toEqual([]);
        expect((await store.stats(a)).counts).toEqual({ PENDING: 0, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 });
        expect(await store.kvGet(a, 'x')).toBeUndefined();
        expect(await store.kvList(a)).toEqual([]);
        expect((await listAll(b)).map((m) => m.id)).toEqual([kept.message.id]);
        expect(await store.kvGet(b, 'x')).toBe(2);
        const [again] = await store.insert([draft(a, { idempotencyKey: 'k' })]);
        expect(again.replayed).toBe(false);
        expect(await listAll(a)).toHaveLength(1);
      });
    });

    describe('key-value store', () => {
      it('sets, reads, overwrites, lists and deletes JSON values per queue', async () => {
        const a = newQueue();
        const b = newQueue();
        expect(await store.kvGet(a, 'missing')).toBeUndefined();
        await store.kvSet(a, 'user:1', { name: 'Ann', tags: ['x'] });
        await store.kvSet(a, 'user:2', 'two');
        await store.kvSet(a, 'config', 3);
        await store.kvSet(a, 'nothing', null);
        await store.kvSet(b, 'user:9', true);
        expect(await store.kvGet(a, 'user:1')).toEqual({ name: 'Ann', tags: ['x'] });
        expect(await store.kvGet(a, 'nothing')).toBeNull();
        await store.kvSet(a, 'user:2', { v: 2 });
        expect(await store.kvGet(a, 'user:2')).toEqual({ v: 2 });
        expect(await store.kvList(a)).toEqual(['config', 'nothing', 'user:1', 'user:2']);
        expect(await store.kvList(a, 'user:')).toEqual(['user:1', 'user:2']);
        expect(await store.kvList(b)).toEqual(['user:9']);
        expect(await store.kvDelete(a, 'user:1')).toBe(true);
        expect(await store.kvDelete(a, 'user:1')).toBe(false);
        expect(await store.kvGet(a, 'user:1')).toBeUndefined();
        expect(await store.kvGet(b, 'user:1')).toBeUndefined();
      });
    });

    describe('key-value keys', () => {
      it('compare exactly: case and trailing spaces count', async () => {
        const queue = newQueue();
        await store.kvSet(queue, 'user', 1);
        await store.kvSet(queue, 'user ', 2);
        await store.kvSet(queue, 'User', 3);
        expect([await store.kvGet(queue, 'user'), await store.kvGet(queue, 'user '), await store.kvGet(queue, 'User')]).toEqual([1, 2, 3]);
        expect(await store.kvGet(queue, 'USER')).toBeUndefined();
        expect(await store.kvDelete(queue, 'user ')).toBe(true);
        expect(await store.kvGet(queue, 'user')).toBe(1);
      });
    });

    describe('availability events', () => {
      it('tells listeners when a message may have become available', async () => {
        const queue = newQueue();
        const seen: string[] = [];
        const off = store.onAvailable((q) => {
          if (q === queue) seen.push(q);
        });
        try {
          await seed(queue, 1);
          await waitUntil(() => seen.length >= 1);
          const count = seen.length;
          const leased = await claimOne(queue);
          await store.settle(queue, leased.id, leased.receipt!, { status: 'PENDING', now: clock.now(), availableAt: clock.now() });
          await waitUntil(() => seen.length > count);
          expect(seen.every((q) => q === queue)).toBe(true);
        } finally {
          off();
        }
      });
    });

    describe('FIFO message groups', () => {
      const fifo = (max: number, perGroup = max, leaseMs = 30_000) => {
        const now = clock.now();
        return { max, now, leaseExpiresAt: now + leaseMs, groups: { perGroup } };
      };
      const requests = (messages: StoredMessage[]) => messages.map((m) => m.request);

      async function push(queue: string, group: string | null, label: string, overrides: Partial<NewMessage> = {}): Promise<StoredMessage> {
        const [outcome] = await store.insert([draft(queue, { request: { label }, groupId: group, ...overrides })]);
        return outcome.message;
      }

      it('stores the group id and gives increasing sequence numbers', async () => {
        const queue = newQueue();
        const stored: StoredMessage[] = [];
        for (let i = 0; i < 5; i++) stored.push(await push(queue, 'g', `m${i}`));
        expect(stored.map((m) => m.groupId)).toEqual(['g', 'g', 'g', 'g', 'g']);
        for (let i = 1; i < stored.length; i++) expect(stored[i].seq).toBeGreaterThan(stored[i - 1].seq);
        expect((await store.get(queue, stored[0].id))?.groupId).toBe('g');
        expect((await store.insert([draft(queue)]))[0].message.groupId).toBeNull();
      });

      it('delivers a group in order and nothing more of it while one of it is in flight; other groups proceed', async () => {
        const queue = newQueue();
        await push(queue, 'a', 'a1');
        await push(queue, 'b', 'b1');
        await push(queue, 'a', 'a2');
        await push(queue, 'b', 'b2');
        const first = await store.claim(queue, fifo(10, 1));
        expect(requests(first)).toEqual([{ label: 'a1' }, { label: 'b1' }]);
        expect(await store.claim(queue, fifo(10, 1))).toEqual([]);
        const a1 = first[0];
        await store.settle(queue, a1.id, a1.receipt!, { status: 'COMPLETE', now: clock.now() });
        expect(requests(await store.claim(queue, fifo(10, 1)))).toEqual([{ label: 'a2' }]);
        expect(await store.claim(queue, fifo(10, 1))).toEqual([]);
      });

      it('hands out several messages of one group in order in one claim, then none until all are settled', async () => {
        const queue = newQueue();
        for (const label of ['a1', 'a2', 'a3', 'a4']) await push(queue, 'a', label);
        await push(queue, 'b', 'b1');
        const batch = await store.claim(queue, fifo(3));
        expect(requests(batch)).toEqual([{ label: 'a1' }, { label: 'a2' }, { label: 'a3' }]);
        expect(requests(await store.claim(queue, fifo(10)))).toEqual([{ label: 'b1' }]);
        for (const m of batch.slice(1)) await store.settle(queue, m.id, m.receipt!, { status: 'COMPLETE', now: clock.now() });
        expect(await store.claim(queue, fifo(10))).toEqual([]);
        await store.settle(queue, batch[0].id, batch[0].receipt!, { status: 'COMPLETE', now: clock.now() });
        expect(requests(await store.claim(queue, fifo(10)))).toEqual([{ label: 'a4' }]);
      });

      it('a failed message returned for a retry later holds back its group; an ERROR one does not', async () => {
        const queue = newQueue();
        await push(queue, 'a', 'a1');
        await push(queue, 'a', 'a2');
        await push(queue, 'b', 'b1');
        const [a1] = await store.claim(queue, fifo(1, 1));
        await store.settle(queue, a1.id, a1.receipt!, { status: 'PENDING', now: clock.now(), availableAt: clock.now() + 5_000 });
        expect(requests(await store.claim(queue, fifo(10, 1)))).toEqual([{ label: 'b1' }]);
        clock.advance(5_000);
        const [again] = await store.claim(queue, fifo(10, 1));
        expect(again.request).toEqual({ label: 'a1' });
        await store.settle(queue, again.id, again.receipt!, { status: 'ERROR', now: clock.now(), error: { name: 'E', message: 'no' } });
        expect(requests(await store.claim(queue, fifo(10, 1)))).toEqual([{ label: 'a2' }]);
      });

      it('an expired lease returned by the sweep is delivered again before the rest of its group', async () => {
        const queue = newQueue();
        await push(queue, 'a', 'a1');
        await push(queue, 'a', 'a2');
        const [a1] = await store.claim(queue, fifo(1, 1, 1_000));
        clock.advance(2_000);
        const [expired] = await store.findExpiredLeases(queue, clock.now(), 10);
        expect(expired.id).toBe(a1.id);
        await store.settle(queue, a1.id, a1.receipt!, { status: 'PENDING', now: clock.now(), availableAt: clock.now() });
        expect(requests(await store.claim(queue, fifo(10, 1)))).toEqual([{ label: 'a1' }]);
      });

      it('messages without a group are claimed freely, in seq order with the groups', async () => {
        const queue = newQueue();
        await push(queue, 'a', 'a1');
        await push(queue, null, 'x1');
        await push(queue, 'a', 'a2');
        await push(queue, null, 'x2');
        expect(requests(await store.claim(queue, fifo(10, 1)))).toEqual([{ label: 'a1' }, { label: 'x1' }, { label: 'x2' }]);
      });

      it('the standard claim ignores groups', async () => {
        const queue = newQueue();
        await push(queue, 'a', 'a1');
        await push(queue, 'a', 'a2');
        const now = clock.now();
        expect(await store.claim(queue, { max: 10, now, leaseExpiresAt: now + 30_000 })).toHaveLength(2);
      });

      it('switching between the standard and the FIFO claim (a queue changing mode) loses nothing', async () => {
        const queue = newQueue();
        for (const label of ['a1', 'b1', 'a2', 'b2', 'a3']) await push(queue, label[0], label);
        await push(queue, null, 'x1');
        const now = clock.now();
        const standard = () => store.claim(queue, { max: 1, now: clock.now(), leaseExpiresAt: now + 30_000 });
        expect(requests(await standard())).toEqual([{ label: 'a1' }]);
        expect(requests(await store.claim(queue, fifo(1, 1)))).toEqual([{ label: 'b1' }]);
        const rest = [...(await standard()), ...(await standard()), ...(await standard()), ...(await standard())];
        expect(requests(rest)).toEqual([{ label: 'a2' }, { label: 'b2' }, { label: 'a3' }, { label: 'x1' }]);
        for (const m of rest)
          await store.settle(queue, m.id, m.receipt!, { status: 'PENDING', now: clock.now(), availableAt: clock.now(), uncountAttempt: true });
        expect(requests(await store.claim(queue, fifo(10)))).toEqual([{ label: 'x1' }]);
        expect(requests(await standard())).toEqual([{ label: 'a2' }]);
      });

      it('a group stays in order when its messages come back to PENDING out of order', async () => {
        const queue = newQueue();
        for (const label of ['a1', 'a2', 'a3']) await push(queue, 'a', label);
        const batch = await store.claim(queue, fifo(3));
        for (const m of [...batch].reverse())
          await store.settle(queue, m.id, m.receipt!, { status: 'PENDING', now: clock.now(), availableAt: clock.now(), uncountAttempt: true });
        expect(requests(await store.claim(queue, fifo(2)))).toEqual([{ label: 'a1' }, { label: 'a2' }]);
      });

      it('a released idempotency key can be used again; the first message stays', async () => {
        const queue = newQueue();
        const first = await push(queue, 'a', 'a1', { idempotencyKey: 'dedup k1' });
        const [replay] = await store.insert([draft(queue, { request: { label: 'again' }, groupId: 'a', idempotencyKey: 'dedup k1' })]);
        expect(replay).toEqual({ replayed: true, message: expect.objectContaining({ id: first.id }) });
        await store.releaseIdempotencyKey(queue, first.id, 'dedup other');
        expect((await store.findByIdempotencyKey(queue, 'dedup k1'))?.id).toBe(first.id);
        await store.releaseIdempotencyKey(queue, first.id, 'dedup k1');
        expect(await store.findByIdempotencyKey(queue, 'dedup k1')).toBeNull();
        const [fresh] = await store.insert([draft(queue, { request: { label: 'later' }, groupId: 'a', idempotencyKey: 'dedup k1' })]);
        expect(fresh.replayed).toBe(false);
        expect(fresh.message.id).not.toBe(first.id);
        expect((await store.get(queue, first.id))?.request).toEqual({ label: 'a1' });
      });

      it('a purge of the queue also forgets its groups', async () => {
        const queue = newQueue();
        await push(queue, 'a', 'a1');
        await store.claim(queue, fifo(1));
        await store.purgeQueue(queue);
        await push(queue, 'a', 'a2');
        expect(requests(await store.claim(queue, fifo(10)))).toEqual([{ label: 'a2' }]);
      });
    });
  });
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function queueDefinition(name: string, overrides: Partial<QueueDefinition> = {}): QueueDefinition {
  return {
    name,
    storageEngine: 'filesystem',
    connectionString: null,
    client_id: null,
    roles: { needsRole: true, replace: false, roles: ['clerk'] },
    incoming: { schema: { type: 'object', required: ['sku'] } },
    delivery: {
      visibilityTimeoutSeconds: 30,
      maxAttempts: 3,
      maxReceives: 4,
      backoffSeconds: 5,
      deadLetterQueue: null,
      handlerTimeoutSeconds: 30,
      concurrency: 4,
    },
    ordering: { mode: 'standard', contentBasedDeduplication: false, deduplicationWindowSeconds: 300 },
    retention: { processedMinutes: 180, allHours: 72 },
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function catalogStoreContract(label: string, make: () => Promise<SimpleHarness<CatalogStore>>): void {
  describe(`CatalogStore contract: ${label}`, () => {
    let harness: SimpleHarness<CatalogStore>;
    let store: CatalogStore;
    const run = uniqueSuffix();
    let counter = 0;
    const name = (kind: string) => `cc-${run}-${kind}${++counter}`;
    const mine = (n: string) => n.startsWith(`cc-${run}-`);

    beforeAll(async () => {
      harness = await make();
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.cleanup();
    });

    it('creates, replaces, lists and deletes queues', async () => {
      const a = queueDefinition(name('q'));
      const b = queueDefinition(name('q'), { storageEngine: 'sql', connectionString: 'postgres://app:${PW}@db:5432/app', client_id: 'shop' });
      expect(await store.getQueue(a.name)).toBeNull();
      await store.putQueue(a);
      await store.putQueue(b);
      expect(await store.getQueue(a.name)).toEqual(a);
      expect(await store.getQueue(b.name)).toEqual(b);
      const changed = { ...a, delivery: { ...a.delivery, maxAttempts: 9, deadLetterQueue: b.name }, updatedAt: a.updatedAt + 1 };
      await store.putQueue(changed);
      expect(await store.getQueue(a.name)).toEqual(changed);
      expect((await store.listQueues()).filter((q) => mine(q.name)).sort((x, y) => x.name.localeCompare(y.name))).toEqual([changed, b]);
      expect(await store.deleteQueue(a.name)).toBe(true);
      expect(await store.deleteQueue(a.name)).toBe(false);
      expect(await store.getQueue(a.name)).toBeNull();
      expect((await store.listQueues()).filter((q) => mine(q.name)).map((q) => q.name)).toEqual([b.name]);
    });

    it('keeps a boolean schema', async () => {
      const q = queueDefinition(name('q'), { incoming: { schema: true } });
      await store.putQueue(q);
      expect((await store.getQueue(q.name))?.incoming.schema).toBe(true);
    });

    it('creates, lists and deletes topics', async () => {
      const t = { name: name('t'), createdAt: 1_700_000_000_123 };
      expect(await store.getTopic(t.name)).toBeNull();
      await store.putTopic(t);
      expect(await store.getTopic(t.name)).toEqual(t);
      expect((await store.listTopics()).filter((x) => mine(x.name))).toEqual([t]);
      expect(await store.deleteTopic(t.name)).toBe(true);
      expect(await store.deleteTopic(t.name)).toBe(false);
      expect(await store.getTopic(t.name)).toBeNull();
    });

    it('binds idempotently and unbinds', async () => {
      const topic = name('t');
      const q1 = name('q');
      const q2 = name('q');
      await store.putTopic({ name: topic, createdAt: 1 });
      await store.bind({ topic, queue: q1 });
      await store.bind({ topic, queue: q1 });
      await store.bind({ topic, queue: q2 });
      const mineBindings = async () =>
        (await store.listBindings())
          .filter((b) => b.topic === topic)
          .map((b) => b.queue)
          .sort();
      expect(await mineBindings()).toEqual([q1, q2].sort());
      expect(await store.unbind({ topic, queue: q1 })).toBe(true);
      expect(await store.unbind({ topic, queue: q1 })).toBe(false);
      expect(await mineBindings()).toEqual([q2]);
    });

    it('changes version() on every write', async () => {
      const seen = new Set<string>([await store.version()]);
      const q = queueDefinition(name('q'));
      const t = name('t');
      const writes: Array<() => Promise<unknown>> = [
        () => store.putQueue(q),
        () => store.putQueue({ ...q, updatedAt: q.updatedAt + 5 }),
        () => store.putTopic({ name: t, createdAt: 2 }),
        () => store.bind({ topic: t, queue: q.name }),
        () => store.unbind({ topic: t, queue: q.name }),
        () => store.deleteTopic(t),
        () => store.deleteQueue(q.name),
      ];
      for (const write of writes) {
        await write();
        const version = await store.version();
        expect(seen.has(version)).toBe(false);
        seen.add(version);
      }
    });

    it('compares queue and topic names exactly (case counts)', async () => {
      const q = queueDefinition(name('q'));
      await store.putQueue(q);
      expect(await store.getQueue(q.name.toUpperCase())).toBeNull();
      const upper = queueDefinition(q.name.toUpperCase());
      await store.putQueue(upper);
      expect(await store.getQueue(q.name)).toEqual(q);
      expect(await store.getQueue(upper.name)).toEqual(upper);
      const t = { name: name('t'), createdAt: 1 };
      await store.putTopic(t);
      expect(await store.getTopic(t.name.toUpperCase())).toBeNull();
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

export function grantStoreContract(label: string, make: () => Promise<SimpleHarness<GrantStore>>): void {
  describe(`GrantStore contract: ${label}`, () => {
    let harness: SimpleHarness<GrantStore>;
    let store: GrantStore;
    const run = uniqueSuffix();
    let counter = 0;
    const name = (kind: string) => `cg-${run}-${kind}${++counter}`;

    beforeAll(async () => {
      harness = await make();
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.cleanup();
    });

    function grant(type: 'queue' | 'topic', resource: string, subject: string, action: Grant['action']): Grant {
      return { resource: { type, name: resource }, subject, action, grantedBy: 'admin', grantedAt: '2026-01-01T00:00:00.000Z' };
    }
    const byKey = (g: Grant) => `${g.resource.type}/${g.resource.name}/${g.subject}/${g.action}`;
    const sorted = (gs: Grant[]) => [...gs].sort((x, y) => byKey(x).localeCompare(byKey(y)));

    it('grants idempotently, checks, lists by resource and by subject, and revokes', async () => {
      const q = name('q');
      const t = name('t');
      const alice = name('alice');
      const bob = name('bob');
      const g1 = grant('queue', q, alice, 'send_to_queue');
      const g2 = grant('queue', q, alice, 'receive');
      const g3 = grant('topic', t, alice, 'send_to_topic');
      const g4 = grant('queue', q, bob, 'receive');
      for (const g of [g1, g2, g3, g4, g1]) await store.put(g);

      expect(await store.has('queue', q, alice, 'send_to_queue')).toBe(true);
      expect(await store.has('queue', q, bob, 'send_to_queue')).toBe(false);
      expect(await store.has('topic', q, alice, 'send_to_queue')).toBe(false);
      expect(sorted(await store.list({ resource: { type: 'queue', name: q } }))).toEqual(sorted([g1, g2, g4]));
      expect(sorted(await store.list({ subject: alice }))).toEqual(sorted([g1, g2, g3]));
      expect(await store.list({ resource: { type: 'queue', name: q }, subject: bob })).toEqual([g4]);
      expect(await store.list({ resource: { type: 'topic', name: q } })).toEqual([]);

      expect(await store.delete('queue', q, alice, 'receive')).toBe(true);
      expect(await store.delete('queue', q, alice, 'receive')).toBe(false);
      expect(await store.has('queue', q, alice, 'receive')).toBe(false);
      expect(sorted(await store.list({ subject: alice }))).toEqual(sorted([g1, g3]));
    });

    it('serves exactly the granted subject: not with a trailing space, not in another case', async () => {
      const q = name('q');
      const alice = name('alice');
      const g = grant('queue', q, alice, 'send_to_queue');
      await store.put(g);
      for (const other of [`${alice} `, alice.toUpperCase(), ` ${alice}`]) {
        expect(await store.has('queue', q, other, 'send_to_queue')).toBe(false);
        expect(await store.list({ subject: other })).toEqual([]);
        expect(await store.delete('queue', q, other, 'send_to_queue')).toBe(false);
      }
      expect(await store.has('queue', q.toUpperCase(), alice, 'send_to_queue')).toBe(false);
      expect(await store.list({ resource: { type: 'queue', name: q } })).toEqual([g]);

      const padded = grant('queue', q, `${alice} `, 'send_to_queue');
      await store.put(padded);
      expect(await store.has('queue', q, `${alice} `, 'send_to_queue')).toBe(true);
      expect(await store.list({ subject: `${alice} ` })).toEqual([padded]);
      expect(await store.list({ subject: alice })).toEqual([g]);
      expect(await store.delete('queue', q, `${alice} `, 'send_to_queue')).toBe(true);
      expect(await store.has('queue', q, alice, 'send_to_queue')).toBe(true);
    });

    it('removes every grant of a deleted resource, and only those', async () => {
      const q = name('q');
      const other = name('q');
      const subject = name('s');
      await store.put(grant('queue', q, subject, 'send_to_queue'));
      await store.put(grant('queue', q, name('s'), 'receive'));
      await store.put(grant('queue', other, subject, 'receive'));
      await store.put(grant('topic', q, subject, 'send_to_topic'));
      await store.deleteForResource('queue', q);
      expect(await store.list({ resource: { type: 'queue', name: q } })).toEqual([]);
      expect(await store.has('queue', other, subject, 'receive')).toBe(true);
      expect(await store.has('topic', q, subject, 'send_to_topic')).toBe(true);
    });
  });
}
