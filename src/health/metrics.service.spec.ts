import { Logger } from '@nestjs/common';
import { Clock } from '@app/common/clock';
import { MessageEvents } from '@app/messages/message-events';
import type { QueueRegistry } from '@app/queues/queue-registry.service';
import type { QueuesService, QueueStatsView } from '@app/queues/queues.service';
import { MetricsService } from '@app/health/metrics.service';
import type { LongPollSlots } from '@app/messages/consumers/long-poll-slots';
import { LeaderLock, SoleProcessLeader } from '@app/storage/ports/leader-lock';

class FixedClock extends Clock {
  constructor(public at = 0) {
    super();
  }
  now(): number {
    return this.at;
  }
}

function setup(stats: (name: string) => Promise<QueueStatsView>, leader: LeaderLock = new SoleProcessLeader()) {
  const events = new MessageEvents();
  const clock = new FixedClock();
  const registry = { list: () => [{ definition: { name: 'a' } }, { definition: { name: 'b' } }] } as unknown as QueueRegistry;
  const down = new Set<string>();
  const queues = { stats: jest.fn(stats), storageAvailable: (name: string) => !down.has(name) } as unknown as QueuesService & { stats: jest.Mock };
  const metrics = new MetricsService(events, registry, queues, clock, { open: 0 } as LongPollSlots, leader);
  metrics.onModuleInit();
  const value = async (name: string, labels: Record<string, string>) => {
    const metric = await metrics.registry.getSingleMetric(name)!.get();
    return metric.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))?.value;
  };
  return { events, clock, queues, metrics, value, down };
}

const view = (queue: string, pending: number): QueueStatsView => ({
  queue,
  counts: { PENDING: pending, INPROGRESS: 0, COMPLETE: 0, ERROR: 0 },
  oldestPendingAgeSeconds: pending ? 7 : null,
  storage: { available: true, since: new Date(0).toISOString() },
});

describe('MetricsService', () => {
  it('maps every message event to its counter or histogram', async () => {
    const { events, value, metrics } = setup(async (name) => view(name, 0));
    events.emit({ type: 'failed', queue: 'a', retry: true });
    events.emit({ type: 'failed', queue: 'a', retry: true });
    events.emit({ type: 'failed', queue: 'a', retry: false });
    events.emit({ type: 'dead_lettered', queue: 'a', target: 'a-dead' });
    events.emit({ type: 'returned', queue: 'a' });
    events.emit({ type: 'delivered', queue: 'a', count: 4, via: 'handler' });
    events.emit({ type: 'handler_finished', queue: 'a', seconds: 0.2, outcome: 'timeout' });
    expect(await value('mailroom_messages_retries_total', { queue: 'a' })).toBe(2);
    expect(await value('mailroom_messages_errors_total', { queue: 'a' })).toBe(1);
    expect(await value('mailroom_messages_dead_lettered_total', { queue: 'a', target: 'a-dead' })).toBe(1);
    expect(await value('mailroom_messages_returned_total', { queue: 'a' })).toBe(1);
    expect(await value('mailroom_messages_delivered_total', { queue: 'a', via: 'handler' })).toBe(4);
    expect(await value('mailroom_handler_duration_seconds', { queue: 'a', outcome: 'timeout', le: '0.25' })).toBe(1);
    expect(await value('mailroom_handler_duration_seconds', { queue: 'a', outcome: 'timeout', le: '0.1' })).toBe(0);
    metrics.onModuleDestroy();
    events.emit({ type: 'returned', queue: 'a' });
    expect(await value('mailroom_messages_returned_total', { queue: 'a' })).toBe(1);
  });

  it('drops the series of deleted queues at the next scrape, and only those', async () => {
    const { events, metrics } = setup(async (name) => view(name, 0));
    for (const queue of ['a', 'gone']) {
      events.emit({ type: 'pushed', queue, count: 2 });
      events.emit({ type: 'delivered', queue, count: 1, via: 'receive' });
      events.emit({ type: 'handler_finished', queue, seconds: 0.2, outcome: 'complete' });
    }
    events.emit({ type: 'dead_lettered', queue: 'a', target: 'gone' });
    events.emit({ type: 'redriven', queue: 'gone', source: 'b', count: 1 });
    metrics.recordAcks('gone', 'complete');
    const text = await metrics.scrape();
    expect(text).not.toContain('gone');
    expect(text).toMatch(/^mailroom_messages_pushed_total\{queue="a"\} 2$/m);
    expect(text).toMatch(/^mailroom_messages_delivered_total\{queue="a",via="receive"\} 1$/m);
    expect(text).toMatch(/^mailroom_handler_duration_seconds_count\{queue="a",outcome="complete"\} 1$/m);
    events.emit({ type: 'pushed', queue: 'gone', count: 1 });
    expect(await metrics.registry.metrics()).toMatch(/^mailroom_messages_pushed_total\{queue="gone"\} 1$/m);
  });

  it('reads queue depth at most once per TTL and keeps the last value of a failing queue', async () => {
    let pending = 3;
    let failB = false;
    const { clock, queues, value } = setup(async (name) => {
      if (name === 'b' && failB) throw new Error('database down');
      return view(name, pending);
    });
    expect(await value('mailroom_queue_messages', { queue: 'a', status: 'PENDING' })).toBe(3);
    expect(await value('mailroom_queue_oldest_pending_age_seconds', { queue: 'b' })).toBe(7);
    expect(queues.stats).toHaveBeenCalledTimes(2);
    pending = 5;
    expect(await value('mailroom_queue_messages', { queue: 'a', status: 'PENDING' })).toBe(3);
    expect(queues.stats).toHaveBeenCalledTimes(2);
    clock.at += 6_000;
    failB = true;
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(await value('mailroom_queue_messages', { queue: 'a', status: 'PENDING' })).toBe(5);
    expect(await value('mailroom_queue_messages', { queue: 'b', status: 'PENDING' })).toBe(3);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ queue: 'b', err: expect.any(Error) }), 'queue stats unavailable');
    warn.mockRestore();
  });

  it('exports 1 or 0 per queue for whether its storage is up', async () => {
    const { value, down } = setup(async (name) => view(name, 0));
    down.add('b');
    expect(await value('mailroom_queue_storage_up', { queue: 'a' })).toBe(1);
    expect(await value('mailroom_queue_storage_up', { queue: 'b' })).toBe(0);
    down.delete('b');
    expect(await value('mailroom_queue_storage_up', { queue: 'b' })).toBe(1);
  });

  it('exports the per-queue gauges only while this replica holds the leader lock, and takes over when it gets it', async () => {
    let leads = false;
    const leader = { held: jest.fn(async () => leads), release: async () => undefined } as LeaderLock & { held: jest.Mock };
    const { clock, queues, metrics, value } = setup(async (name) => view(name, 2), leader);
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/^mailroom_queue_messages\{/m);
    expect(text).not.toMatch(/^mailroom_queue_oldest_pending_age_seconds\{/m);
    expect(text).toMatch(/^mailroom_queue_gauges_leader 0$/m);
    expect(queues.stats).not.toHaveBeenCalled();
    leads = true;
    clock.at += 6_000;
    expect(await value('mailroom_queue_messages', { queue: 'a', status: 'PENDING' })).toBe(2);
    expect(await metrics.registry.metrics()).toMatch(/^mailroom_queue_gauges_leader 1$/m);
    leads = false;
    clock.at += 6_000;
    expect(await metrics.registry.metrics()).not.toMatch(/^mailroom_queue_messages\{/m);
  });

  it('a leader-lock check slower than the scrape budget keeps the last answer instead of holding the scrape', async () => {
    jest.useFakeTimers();
    try {
      let answer: (held: boolean) => void = () => undefined;
      const leader = { held: jest.fn(() => new Promise<boolean>((resolve) => (answer = resolve))), release: async () => undefined } as LeaderLock;
      const { metrics } = setup(async (name) => view(name, 1), leader);
      const scrape = metrics.registry.metrics();
      await jest.advanceTimersByTimeAsync(2_000);
      expect(await scrape).toMatch(/^mailroom_queue_gauges_leader 0$/m);
      answer(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
