import { randomUUID } from 'node:crypto';
import { ManualClock } from '@test/support/time';
import type { StoredMessage } from '@app/domain/message';
import { normalizeQueueDefinition } from '@app/queues/queue-definition';
import { DeliveryService, handlerTransition, retryDelayMs } from '@app/messages/delivery.service';
import { MessageEvents } from '@app/messages/message-events';

describe('retryDelayMs (exponential backoff with equal jitter)', () => {
  const definition = normalizeQueueDefinition({ name: 'q', delivery: { backoffSeconds: 5 } }, 0);

  it('is the full backoff × 2^(attempts−1) at jitter 1 and half of it at jitter 0', () => {
    expect([1, 2, 3].map((attempts) => retryDelayMs(definition, attempts, 1))).toEqual([5_000, 10_000, 20_000]);
    expect([1, 2, 3].map((attempts) => retryDelayMs(definition, attempts, 0))).toEqual([2_500, 5_000, 10_000]);
    expect(retryDelayMs(definition, 2, 0.5)).toBe(7_500);
  });

  it('never exceeds one hour, whatever the attempt or the jitter', () => {
    expect(retryDelayMs(definition, 40, 1)).toBe(3_600_000);
    expect(retryDelayMs(definition, 40, 0)).toBe(1_800_000);
    expect(retryDelayMs(definition, 2, 7)).toBe(10_000);
    expect(retryDelayMs(definition, 2, -1)).toBe(5_000);
  });

  it('is 0 with backoffSeconds 0', () => {
    const immediate = normalizeQueueDefinition({ name: 'q', delivery: { backoffSeconds: 0 } }, 0);
    expect(retryDelayMs(immediate, 3, 0.7)).toBe(0);
  });
});

describe('handler outcome → transition', () => {
  const definition = normalizeQueueDefinition({ name: 'q', delivery: { maxAttempts: 3, backoffSeconds: 2 } }, 0);

  it('is one table: complete, a failed attempt retried while attempts remain, else ERROR; interrupted goes back', () => {
    const kinds = ['complete', 'error', 'timeout', 'crashed', 'interrupted'] as const;
    expect(Object.fromEntries(kinds.map((kind) => [kind, [1, 2, 3].map((attempts) => handlerTransition(kind, attempts, definition))]))).toEqual({
      complete: ['COMPLETE', 'COMPLETE', 'COMPLETE'],
      error: ['RETRY', 'RETRY', 'ERROR'],
      timeout: ['RETRY', 'RETRY', 'ERROR'],
      crashed: ['RETRY', 'RETRY', 'ERROR'],
      interrupted: ['RELEASE', 'RELEASE', 'RELEASE'],
    });
  });

  describe('settleHandlerOutcome', () => {
    const clock = new ManualClock();
    const settled: { status: string; change: Record<string, unknown> }[] = [];
    const inserted: unknown[] = [];
    const store = {
      settle: async (_queue: string, id: string, _receipt: string, change: Record<string, unknown>) => {
        settled.push({ status: change.status as string, change });
        return { id, status: change.status, availableAt: change.availableAt ?? clock.now(), updatedAt: clock.now() } as unknown as StoredMessage;
      },
      insert: async (records: unknown[]) => void inserted.push(...records),
    };
    const dlq = normalizeQueueDefinition({ name: 'dlq' }, 0);
    const withDlq = normalizeQueueDefinition({ name: 'q', delivery: { maxAttempts: 2, backoffSeconds: 2, deadLetterQueue: 'dlq' } }, 0);
    const events = new MessageEvents();
    const delivery = new DeliveryService(
      { get: (name: string) => (name === 'dlq' ? { definition: dlq } : undefined) } as never,
      { forQueue: () => store } as never,
      {} as never,
      clock,
      events,
    );
    const message = (attempts: number) =>
      ({ id: randomUUID(), attempts, receipt: 'r-1', request: {}, sentBy: null, senderRoles: null }) as unknown as StoredMessage;

    beforeEach(() => {
      settled.length = 0;
      inserted.length = 0;
    });

    it('stores each transition', async () => {
      await delivery.settleHandlerOutcome(withDlq, message(1), { kind: 'complete', result: { ok: 1 } });
      await delivery.settleHandlerOutcome(withDlq, message(1), { kind: 'timeout', error: { name: 'HandlerTimeout', message: 't' } });
      await delivery.settleHandlerOutcome(withDlq, message(2), { kind: 'crashed', error: { name: 'WorkerCrashed', message: 'c' } });
      await delivery.settleHandlerOutcome(withDlq, message(2), { kind: 'interrupted', reason: 'other task', delaySeconds: 1 });
      expect(settled.map(({ change }) => change)).toEqual([
        expect.objectContaining({ status: 'COMPLETE', result: { ok: 1 }, error: null }),
        expect.objectContaining({ status: 'PENDING', error: { name: 'HandlerTimeout', message: 't' }, availableAt: clock.now() + 2_000 }),
        expect.objectContaining({ status: 'ERROR', error: { name: 'WorkerCrashed', message: 'c' } }),
        expect.objectContaining({ status: 'PENDING', uncountAttempt: true, toEnd: false, availableAt: clock.now() + 1_000 }),
      ]);
      expect(inserted).toEqual([expect.objectContaining({ queue: 'dlq', deadLetter: expect.objectContaining({ queue: 'q' }) })]);
    });
  });
});
