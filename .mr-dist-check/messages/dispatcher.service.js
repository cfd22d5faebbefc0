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
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.HandlerDispatcher = exports.LEASE_MARGIN_SECONDS = exports.MAX_CLAIM_BATCH = exports.LEASE_CHECK_MS = exports.TICK_MS = void 0;
exports.handlerLeaseSeconds = handlerLeaseSeconds;
const common_1 = require("@nestjs/common");
const schedule_1 = require("@nestjs/schedule");
const node_events_1 = require("node:events");
const node_perf_hooks_1 = require("node:perf_hooks");
const clock_1 = require("../common/clock.js");
const domain_error_1 = require("../common/domain-error.js");
const config_tokens_1 = require("../config/config.tokens.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
const delivery_service_1 = require("./delivery.service.js");
const message_events_1 = require("./message-events.js");
const handler_pool_1 = require("./handlers/handler-pool.js");
const handler_services_1 = require("./handlers/handler-services.js");
exports.TICK_MS = 500;
exports.LEASE_CHECK_MS = 2_000;
exports.MAX_CLAIM_BATCH = 64;
exports.LEASE_MARGIN_SECONDS = 10;
const INTERVAL_NAME = 'mailroom-handler-dispatcher';
function handlerLeaseSeconds(definition) {
    return definition.delivery.handlerTimeoutSeconds + exports.LEASE_MARGIN_SECONDS;
}
function isConflict(error) {
    return error instanceof domain_error_1.DomainError && (error.code === 'RECEIPT_STALE' || error.code === 'MESSAGE_NOT_FOUND' || error.code === 'QUEUE_NOT_FOUND');
}
let HandlerDispatcher = class HandlerDispatcher {
    registry;
    delivery;
    events;
    pool;
    services;
    scheduler;
    clock;
    config;
    logger = new common_1.Logger('Dispatcher');
    queues = new Map();
    inflight = new Set();
    pumps = new Set();
    subscribedStores = new Set();
    disposers = [];
    shutdown = new AbortController();
    running = 0;
    started = false;
    stopping = false;
    lastLeaseCheck = 0;
    constructor(registry, delivery, events, pool, services, scheduler, clock, config) {
        this.registry = registry;
        this.delivery = delivery;
        this.events = events;
        this.pool = pool;
        this.services = services;
        this.scheduler = scheduler;
        this.clock = clock;
        this.config = config;
    }
    onApplicationBootstrap() {
        (0, node_events_1.setMaxListeners)(0, this.shutdown.signal);
        if (!this.config.dispatcherEnabled) {
            this.logger.log('dispatcher disabled (DISPATCHER_ENABLED=false): handlers do not run on this replica');
            return;
        }
        this.started = true;
        this.disposers.push(this.registry.onChange(() => this.syncQueues()), this.events.subscribe((event) => {
            if (event.type === 'pushed' || event.type === 'returned')
                this.wake(event.queue);
        }));
        this.syncQueues();
        const interval = setInterval(() => this.tick(), exports.TICK_MS);
        interval.unref();
        this.scheduler.addInterval(INTERVAL_NAME, interval);
        this.tick();
    }
    snapshot() {
        return [...this.queues.values()].map((s) => ({ queue: s.name, active: s.active }));
    }
    async beforeApplicationShutdown() {
        if (!this.started || this.stopping)
            return;
        this.stopping = true;
        if (this.scheduler.doesExist('interval', INTERVAL_NAME))
            this.scheduler.deleteInterval(INTERVAL_NAME);
        for (const dispose of this.disposers.splice(0))
            dispose();
        for (const state of this.queues.values())
            if (state.retryTimer)
                clearTimeout(state.retryTimer);
        await Promise.allSettled([...this.pumps]);
        if (this.inflight.size) {
            this.logger.log(`waiting up to ${this.config.shutdownGraceSeconds}s for ${this.inflight.size} running handler(s)`);
            let timer;
            const grace = new Promise((resolve) => {
                timer = setTimeout(resolve, this.config.shutdownGraceSeconds * 1000);
            });
            await Promise.race([Promise.allSettled([...this.inflight]), grace]);
            clearTimeout(timer);
        }
        if (this.inflight.size) {
            this.logger.warn(`returning ${this.inflight.size} unfinished message(s) to their queues`);
            this.shutdown.abort();
            await Promise.allSettled([...this.inflight]);
        }
        this.services.detachAll();
        await this.pool.destroy();
    }
    syncQueues() {
        const names = new Set();
        for (const entry of this.registry.list()) {
            if (!entry.handlerPath)
                continue;
            const name = entry.definition.name;
            names.add(name);
            if (!this.queues.has(name)) {
                this.queues.set(name, { name, active: 0, pumping: false, again: false, starved: false, retryTimer: null, retryAt: 0 });
            }
            this.listenTo(entry.definition);
            this.wake(name);
        }
        if (names.size)
            this.pool.warm();
        for (const [name, state] of this.queues) {
            if (names.has(name))
                continue;
            if (state.retryTimer)
                clearTimeout(state.retryTimer);
            if (state.active === 0)
                this.queues.delete(name);
        }
    }
    listenTo(definition) {
        let store;
        try {
            store = this.delivery.store(definition);
        }
        catch (error) {
            this.logger.warn(`queue ${definition.name}: no storage for its handler: ${error.message}`);
            return;
        }
        if (this.subscribedStores.has(store))
            return;
        this.subscribedStores.add(store);
        this.disposers.push(store.onAvailable((queue) => this.wake(queue)));
    }
    tick() {
        if (this.stopping)
            return;
        const checkLeases = Date.now() - this.lastLeaseCheck >= exports.LEASE_CHECK_MS;
        if (checkLeases)
            this.lastLeaseCheck = Date.now();
        for (const state of this.queues.values()) {
            if (checkLeases)
                void this.expireLeases(state.name);
            this.wake(state.name);
        }
    }
    async expireLeases(name) {
        const entry = this.registry.get(name);
        if (!entry?.handlerPath)
            return;
        try {
            if ((await this.delivery.expireLeases(entry.definition)) > 0)
                this.wake(name);
        }
        catch (error) {
            this.logger.warn(`queue ${name}: lease expiry failed: ${error.message}`);
        }
    }
    wake(name) {
        const state = this.queues.get(name);
        if (!state || this.stopping)
            return;
        if (state.pumping) {
            state.again = true;
            return;
        }
        const pump = this.pump(state);
        this.pumps.add(pump);
        void pump.finally(() => this.pumps.delete(pump));
    }
    async pump(state) {
        state.pumping = true;
        try {
            do {
                state.again = false;
                for (;;) {
                    const entry = this.registry.get(state.name);
                    if (!entry?.handlerPath || this.stopping)
                        return;
                    const own = entry.definition.delivery.concurrency - state.active;
                    const global = this.config.globalConcurrency - this.running;
                    state.starved = global <= 0 && own > 0;
                    const batch = Math.min(own, global, exports.MAX_CLAIM_BATCH);
                    if (batch <= 0)
                        break;
                    state.active += batch;
                    this.running += batch;
                    let claimed = [];
                    try {
                        claimed = await this.delivery.claim(entry.definition, batch, handlerLeaseSeconds(entry.definition), 'handler');
                    }
                    finally {
                        state.active -= batch;
                        this.running -= batch;
                    }
                    for (const message of claimed)
                        this.start(state, entry, message);
                    if (claimed.length < batch)
                        break;
                }
            } while (state.again && !this.stopping);
        }
        catch (error) {
            this.logger.warn(`queue ${state.name}: claim failed: ${error.message}`);
        }
        finally {
            state.pumping = false;
        }
    }
    start(state, entry, message) {
        state.active++;
        this.running++;
        this.services.begin(message.id, state.name);
        const run = this.execute(entry, message)
            .catch((error) => this.logger.error(`queue ${state.name}: message ${message.id}: ${error.message}`))
            .finally(() => {
            state.active--;
            this.running--;
            this.services.end(message.id);
            this.inflight.delete(run);
            this.wake(state.name);
            for (const other of this.queues.values())
                if (other.starved && other !== state)
                    this.wake(other.name);
        });
        this.inflight.add(run);
    }
    async execute(entry, message) {
        const definition = entry.definition;
        const receipt = message.receipt;
        const started = node_perf_hooks_1.performance.now();
        const outcome = this.stopping
            ? { kind: 'interrupted', reason: 'shutting down' }
            : await this.pool.run({
                handlerPath: entry.handlerPath,
                handlerVersion: entry.handlerVersion,
                id: message.id,
                queue: definition.name,
                attempt: message.attempts,
                request: message.request,
                timeoutMs: definition.delivery.handlerTimeoutSeconds * 1000,
                maxResultBytes: this.config.messageMaxBytes,
            }, this.shutdown.signal);
        try {
            if (outcome.kind === 'interrupted') {
                await this.delivery.release(definition, message.id, receipt, { toEnd: false });
                return;
            }
            this.events.emit({
                type: 'handler_finished',
                queue: definition.name,
                seconds: (node_perf_hooks_1.performance.now() - started) / 1000,
                outcome: outcome.kind === 'complete' ? 'complete' : outcome.kind === 'timeout' ? 'timeout' : 'error',
            });
            if (outcome.kind === 'complete') {
                await this.delivery.complete(definition, message.id, receipt, outcome.result);
                return;
            }
            if (outcome.kind === 'timeout' || outcome.kind === 'crashed') {
                this.logger.warn({ msg: `handler ${outcome.kind === 'timeout' ? 'timed out' : 'crashed its worker'}`, queue: definition.name, messageId: message.id, error: outcome.error.message });
            }
            const settled = await this.delivery.fail(definition, message, receipt, outcome.error);
            if (settled.status === 'PENDING')
                this.wakeAt(definition.name, settled.availableAt);
        }
        catch (error) {
            if (!isConflict(error))
                throw error;
            this.logger.debug?.(`queue ${definition.name}: message ${message.id} changed while its handler ran (${error.code})`);
        }
    }
    wakeAt(name, availableAt) {
        const state = this.queues.get(name);
        const delay = availableAt - this.clock.now();
        if (!state || delay <= 0 || delay > exports.TICK_MS * 20)
            return;
        if (state.retryTimer && state.retryAt <= availableAt)
            return;
        if (state.retryTimer)
            clearTimeout(state.retryTimer);
        state.retryAt = availableAt;
        state.retryTimer = setTimeout(() => {
            state.retryTimer = null;
            this.wake(name);
        }, delay);
        state.retryTimer.unref();
    }
};
exports.HandlerDispatcher = HandlerDispatcher;
exports.HandlerDispatcher = HandlerDispatcher = __decorate([
    (0, common_1.Injectable)(),
    __param(7, (0, config_tokens_1.InjectConfig)()),
    __metadata("design:paramtypes", [queue_registry_service_1.QueueRegistry,
        delivery_service_1.DeliveryService,
        message_events_1.MessageEvents,
        handler_pool_1.HandlerPool,
        handler_services_1.HandlerServices,
        schedule_1.SchedulerRegistry,
        clock_1.Clock, Object])
], HandlerDispatcher);
//# sourceMappingURL=dispatcher.service.js.map