import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Clock } from '@app/common/clock';
import { MessageEvents, type MessageEvent } from '@app/messages/message-events';
import { LongPollSlots } from '@app/messages/consumers/long-poll-slots';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { QueuesService, type QueueStatsView } from '@app/queues/queues.service';
import { LeaderLock } from '@app/storage/ports/leader-lock';

/** Queue depth is read from the stores at most this often, whatever the scrape rate. */
const STATS_TTL_MS = 5_000;
/** A scrape never waits longer than this for queue stats; slow queues keep their last value. */
const STATS_BUDGET_MS = 2_000;
const STATS_CONCURRENCY = 8;
const ACK_ROUTE = /\/messages\/:id\/ack$/;

/** Prometheus metrics of one application instance (its own registry, so several apps never collide). */
/** labels that name a queue */
const QUEUE_LABELS = ['queue', 'target', 'source'];

@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');
  private unsubscribe: (() => void) | null = null;
  private stats = new Map<string, QueueStatsView>();
  private statsAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | null = null;
  /** only the replica holding the leader lock exports the per-queue gauges, so sum() over replicas counts each queue once */
  private leading = false;

  private readonly pushed = this.counter('mailroom_messages_pushed_total', 'Messages stored by push, batch, publish or a handler', ['queue']);
  private readonly delivered = this.counter('mailroom_messages_delivered_total', 'Deliveries: handler calls (via="handler") and receives (via="receive")', [
    'queue',
    'via',
  ]);
  private readonly acked = this.counter('mailroom_messages_acked_total', 'Successful acknowledgements by consumers, by outcome', ['queue', 'outcome']);
  private readonly completed = this.counter('mailroom_messages_completed_total', 'Messages that became COMPLETE', ['queue']);
  private readonly errors = this.counter('mailroom_messages_errors_total', 'Messages that became ERROR (no attempt left)', ['queue']);
  private readonly retries = this.counter('mailroom_messages_retries_total', 'Failed attempts scheduled for a retry', ['queue']);
  private readonly deadLettered = this.counter('mailroom_messages_dead_lettered_total', 'Copies stored in a dead-letter queue', ['queue', 'target']);
  private readonly returned = this.counter('mailroom_messages_returned_total', 'Messages returned to their queue without a failure', ['queue']);
  private readonly purged = this.counter('mailroom_messages_purged_total', 'Messages deleted by a purge', ['queue']);
  private readonly redriven = this.counter('mailroom_messages_redriven_total', 'Dead letters sent back to their source queue by a redrive', [
    'queue',
    'source',
  ]);
  private readonly handlerDuration = new Histogram({
    name: 'mailroom_handler_duration_seconds',
    help: 'Handler run time, by outcome',
    labelNames: ['queue', 'outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'mailroom_http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 20],
    registers: [this.registry],
  });

  constructor(
    private readonly events: MessageEvents,
    private readonly queues: QueueRegistry,
    private readonly queuesService: QueuesService,
    private readonly clock: Clock,
    longPolls: LongPollSlots,
    private readonly leader: LeaderLock,
  ) {
    collectDefaultMetrics({ register: this.registry });
    const self = this;
    new Gauge({
      name: 'mailroom_long_polls_open',
      help: 'Long polls (receive with waitSeconds > 0) held open by this replica (capped by LONG_POLL_MAX)',
      registers: [this.registry],
      collect() {
        this.set(longPolls.open);
      },
    });
    new Gauge({
      name: 'mailroom_queue_gauges_leader',
      help: 'Whether this replica exports the per-queue gauges (1) or leaves them to the replica holding the leader lock (0)',
      registers: [this.registry],
      async collect() {
        await self.refreshStats();
        this.set(self.leading ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mailroom_queue_messages',
      help: `Messages per queue and status (read at most every ${STATS_TTL_MS / 1000} s)`,
      labelNames: ['queue', 'status'],
      registers: [this.registry],
      async collect() {
        await self.refreshStats();
        this.reset();
        for (const [queue, view] of self.stats) {
          for (const [status, count] of Object.entries(view.counts)) this.set({ queue, status }, count);
        }
      },
    });
    new Gauge({
      name: 'mailroom_queue_oldest_pending_age_seconds',
      help: 'Age of the oldest PENDING message per queue (0 when none)',
      labelNames: ['queue'],
      registers: [this.registry],
      async collect() {
        await self.refreshStats();
        this.reset();
        for (const [queue, view] of self.stats) this.set({ queue }, view.oldestPendingAgeSeconds ?? 0);
      },
    });
    new Gauge({
      name: 'mailroom_queue_storage_up',
      help: "1 when the queue's storage answered its last use on this replica, 0 while it does not",
      labelNames: ['queue'],
      registers: [this.registry],
      async collect() {
        await self.refreshStats();
        this.reset();
        for (const entry of self.queues.list()) {
          const queue = entry.definition.name;
          this.set({ queue }, self.queuesService.storageAvailable(queue) ? 1 : 0);
        }
      },
    });
  }

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((event) => this.record(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Express middleware timing every request, labelled by the matched route template (never the raw URL). */
  readonly httpMiddleware = (request: Request, response: Response, next: NextFunction): void => {
    const end = this.httpDuration.startTimer();
    response.once('finish', () => {
      const route = (request.route as { path?: unknown } | undefined)?.path;
      const template = typeof route === 'string' ? route : 'unmatched';
      const status = response.statusCode;
      end({ method: request.method, route: template, status_code: String(status) });
      if (status < 300 && request.method === 'POST' && ACK_ROUTE.test(template)) {
        const outcome = (request.body as { outcome?: unknown } | undefined)?.outcome;
        this.recordAcks(String(request.params.queue), typeof outcome === 'string' ? outcome : 'unknown');
      }
    });
    next();
  };

  /** The exposition text; series naming a queue deleted since (on any replica) are dropped first, so deleted queues leave none behind. */
  async scrape(): Promise<string> {
    const existing = new Set(this.queues.list().map((entry) => entry.definition.name));
    const perQueue: Array<Counter<string> | Histogram<string>> = [
      this.pushed,
      this.delivered,
      this.acked,
      this.completed,
      this.errors,
      this.retries,
      this.deadLettered,
      this.returned,
      this.purged,
      this.redriven,
      this.handlerDuration,
    ];
    for (const metric of perQueue) {
      const gone = new Map<string, Record<string, string | number>>();
      for (const { labels } of (await metric.get()).values) {
        const named = labels as Record<string, string | number>;
        if (!QUEUE_LABELS.some((name) => typeof named[name] === 'string' && !existing.has(named[name]))) continue;
        const series = Object.fromEntries(Object.entries(named).filter(([name]) => name !== 'le'));
        gone.set(JSON.stringify(series), series);
      }
      for (const series of gone.values()) metric.remove(series);
    }
    return this.registry.metrics();
  }

  /** Successful acknowledgements by a consumer (REST ack, SQS DeleteMessage). */
  recordAcks(queue: string, outcome: string, count = 1): void {
    this.acked.inc({ queue, outcome }, count);
  }

  private record(event: MessageEvent): void {
    switch (event.type) {
      case 'pushed':
        return this.pushed.inc({ queue: event.queue }, event.count);
      case 'delivered':
        return this.delivered.inc({ queue: event.queue, via: event.via }, event.count);
      case 'completed':
        return this.completed.inc({ queue: event.queue });
      case 'failed':
        return (event.retry ? this.retries : this.errors).inc({ queue: event.queue });
      case 'dead_lettered':
        return this.deadLettered.inc({ queue: event.queue, target: event.target });
      case 'returned':
        return this.returned.inc({ queue: event.queue });
      case 'purged':
        return this.purged.inc({ queue: event.queue }, event.count);
      case 'redriven':
        return this.redriven.inc({ queue: event.queue, source: event.source }, event.count);
      case 'handler_finished':
        return this.handlerDuration.observe({ queue: event.queue, outcome: event.outcome }, event.seconds);
    }
  }

  private refreshStats(): Promise<void> {
    if (this.clock.now() - this.statsAt < STATS_TTL_MS) return Promise.resolve();
    this.refreshing ??= this.readStats().finally(() => {
      this.statsAt = this.clock.now();
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Whether this replica leads; a lock check slower than the budget (a busy pool) keeps the last answer. */
  private async leaderWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const previous = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(this.leading), ms);
      timer.unref();
    });
    try {
      return await Promise.race([this.leader.held(), previous]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads every queue's stats, a few at a time, within the time budget (on the leading replica only). */
  private async readStats(): Promise<void> {
    this.leading = await this.leaderWithin(STATS_BUDGET_MS);
    if (!this.leading) {
      this.stats = new Map();
      return;
    }
    const names = this.queues.list().map((entry) => entry.definition.name);
    const fresh = new Map<string, QueueStatsView>();
    const deadline = Date.now() + STATS_BUDGET_MS;
    let next = 0;
    const worker = async () => {
      while (next < names.length && Date.now() < deadline) {
        const name = names[next++];
        try {
          fresh.set(name, await this.queuesService.stats(name));
        } catch (error) {
          this.logger.warn({ queue: name, err: error as Error }, 'queue stats unavailable');
        }
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STATS_BUDGET_MS);
      timer.unref();
    });
    await Promise.race([Promise.all(Array.from({ length: STATS_CONCURRENCY }, worker)), budget]);
    clearTimeout(timer);
    for (const name of names) {
      const previous = this.stats.get(name);
      if (!fresh.has(name) && previous) fresh.set(name, previous);
    }
    this.stats = fresh;
  }

  private counter(name: string, help: string, labelNames: string[]): Counter<string> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
