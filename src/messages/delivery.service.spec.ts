import { normalizeQueueDefinition } from '@app/queues/queue-definition';
import { retryDelayMs } from '@app/messages/delivery.service';

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
