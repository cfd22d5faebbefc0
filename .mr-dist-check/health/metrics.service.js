"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.MetricsService = void 0;
const common_1 = require("@nestjs/common");
const prom_client_1 = require("prom-client");
const clock_1 = require("../common/clock.js");
const message_events_1 = require("../messages/message-events.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
const queues_service_1 = require("../queues/queues.service.js");
const STATS_TTL_MS = 5_000;
const STATS_BUDGET_MS = 2_000;
const STATS_CONCURRENCY = 8;
const ACK_ROUTE = /\/messages\/:id\/ack$/;
let MetricsService = class MetricsService {
    events;
    queues;
    queuesService;
    clock;
    registry = new prom_client_1.Registry();
    logger = new common_1.Logger('Metrics');
    unsubscribe = null;
    stats = new Map();
    statsAt = Number.NEGATIVE_INFINITY;
    refreshing = null;
    pushed = this.counter('mailroom_messages_pushed_total', 'Messages stored by push, batch, publish or a handler', ['queue']);
    delivered = this.counter('mailroom_messages_delivered_total', 'Deliveries: handler calls (via="handler") and receives (via="receive")', ['queue', 'via']);
    acked = this.counter('mailroom_messages_acked_total', 'Successful acknowledgements by consumers, by outcome', ['queue', 'outcome']);
    completed = this.counter('mailroom_messages_completed_total', 'Messages that became COMPLETE', ['queue']);
    errors = this.counter('mailroom_messages_errors_total', 'Messages that became ERROR (no attempt left)', ['queue']);
    retries = this.counter('mailroom_messages_retries_total', 'Failed attempts scheduled for a retry', ['queue']);
    deadLettered = this.counter('mailroom_messages_dead_lettered_total', 'Copies stored in a dead-letter queue', ['queue', 'target']);
    returned = this.counter('mailroom_messages_returned_total', 'Messages returned to their queue without a failure', ['queue']);
    handlerDuration = new prom_client_1.Histogram({
        name: 'mailroom_handler_duration_seconds',
        help: 'Handler run time, by outcome',
        labelNames: ['queue', 'outcome'],
        buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers: [this.registry],
    });
    httpDuration = new prom_client_1.Histogram({
        name: 'mailroom_http_request_duration_seconds',
        help: 'HTTP request duration by route template and status',
        labelNames: ['method', 'route', 'status_code'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 20],
        registers: [this.registry],
    });
    constructor(events, queues, queuesService, clock) {
        this.events = events;
        this.queues = queues;
        this.queuesService = queuesService;
        this.clock = clock;
        (0, prom_client_1.collectDefaultMetrics)({ register: this.registry });
        const self = this;
        new prom_client_1.Gauge({
            name: 'mailroom_queue_messages',
            help: `Messages per queue and status (read at most every ${STATS_TTL_MS / 1000} s)`,
            labelNames: ['queue', 'status'],
            registers: [this.registry],
            async collect() {
                await self.refreshStats();
                this.reset();
                for (const [queue, view] of self.stats) {
                    for (const [status, count] of Object.entries(view.counts))
                        this.set({ queue, status }, count);
                }
            },
        });
        new prom_client_1.Gauge({
            name: 'mailroom_queue_oldest_pending_age_seconds',
            help: 'Age of the oldest PENDING message per queue (0 when none)',
            labelNames: ['queue'],
            registers: [this.registry],
            async collect() {
                await self.refreshStats();
                this.reset();
                for (const [queue, view] of self.stats)
                    this.set({ queue }, view.oldestPendingAgeSeconds ?? 0);
            },
        });
    }
    onModuleInit() {
        this.unsubscribe = this.events.subscribe((event) => this.record(event));
    }
    onModuleDestroy() {
        this.unsubscribe?.();
    }
    httpMiddleware = (request, response, next) => {
        const end = this.httpDuration.startTimer();
        response.once('finish', () => {
            const route = request.route?.path;
            const template = typeof route === 'string' ? route : 'unmatched';
            const status = response.statusCode;
            end({ method: request.method, route: template, status_code: String(status) });
            if (status < 300 && request.method === 'POST' && ACK_ROUTE.test(template)) {
                const outcome = request.body?.outcome;
                this.acked.inc({ queue: String(request.params.queue), outcome: typeof outcome === 'string' ? outcome : 'unknown' });
            }
        });
        next();
    };
    record(event) {
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
            case 'handler_finished':
                return this.handlerDuration.observe({ queue: event.queue, outcome: event.outcome }, event.seconds);
        }
    }
    refreshStats() {
        if (this.clock.now() - this.statsAt < STATS_TTL_MS)
            return Promise.resolve();
        this.refreshing ??= this.readStats().finally(() => {
            this.statsAt = this.clock.now();
            this.refreshing = null;
        });
        return this.refreshing;
    }
    async readStats() {
        const names = this.queues.list().map((entry) => entry.definition.name);
        const fresh = new Map();
        const deadline = Date.now() + STATS_BUDGET_MS;
        let next = 0;
        const worker = async () => {
            while (next < names.length && Date.now() < deadline) {
                const name = names[next++];
                try {
                    fresh.set(name, await this.queuesService.stats(name));
                }
                catch (error) {
                    this.logger.warn(`stats of queue ${name} unavailable: ${error.message}`);
                }
            }
        };
        let timer;
        const budget = new Promise((resolve) => {
            timer = setTimeout(resolve, STATS_BUDGET_MS);
            timer.unref();
        });
        await Promise.race([Promise.all(Array.from({ length: STATS_CONCURRENCY }, worker)), budget]);
        clearTimeout(timer);
        for (const name of names) {
            const previous = this.stats.get(name);
            if (!fresh.has(name) && previous)
                fresh.set(name, previous);
        }
        this.stats = fresh;
    }
    counter(name, help, labelNames) {
        return new prom_client_1.Counter({ name, help, labelNames, registers: [this.registry] });
    }
};
exports.MetricsService = MetricsService;
exports.MetricsService = MetricsService = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [message_events_1.MessageEvents,
        queue_registry_service_1.QueueRegistry,
        queues_service_1.QueuesService,
        clock_1.Clock])
], MetricsService);
//# sourceMappingURL=metrics.service.js.map