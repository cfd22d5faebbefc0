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
exports.DeliveryService = void 0;
exports.errorInfo = errorInfo;
exports.retryDelayMs = retryDelayMs;
const common_1 = require("@nestjs/common");
const node_crypto_1 = require("node:crypto");
const clock_1 = require("../common/clock.js");
const domain_error_1 = require("../common/domain-error.js");
const storage_service_1 = require("../storage/storage.service.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
const messages_service_1 = require("./messages.service.js");
const message_events_1 = require("./message-events.js");
const MAX_BACKOFF_MS = 3_600_000;
function errorInfo(error) {
    if (error instanceof Error)
        return { name: error.name || 'Error', message: error.message };
    if (error && typeof error === 'object' && 'message' in error) {
        const e = error;
        return { name: typeof e.name === 'string' ? e.name : 'Error', message: String(e.message) };
    }
    return { name: 'Error', message: typeof error === 'string' ? error : JSON.stringify(error ?? null) };
}
function retryDelayMs(definition, attempts) {
    const base = definition.delivery.backoffSeconds * 1000;
    return Math.min(MAX_BACKOFF_MS, base * 2 ** Math.max(0, attempts - 1));
}
let DeliveryService = class DeliveryService {
    registry;
    storage;
    messages;
    clock;
    events;
    logger = new common_1.Logger('Delivery');
    constructor(registry, storage, messages, clock, events) {
        this.registry = registry;
        this.storage = storage;
        this.messages = messages;
        this.clock = clock;
        this.events = events;
    }
    store(definition) {
        return this.storage.forQueue(definition);
    }
    async claim(definition, max, leaseSeconds, via) {
        const now = this.clock.now();
        const claimed = await this.store(definition).claim(definition.name, { max, now, leaseExpiresAt: now + leaseSeconds * 1000 });
        if (claimed.length)
            this.events.emit({ type: 'delivered', queue: definition.name, count: claimed.length, via });
        return claimed;
    }
    async complete(definition, id, receipt, result) {
        const done = await this.settle(definition, id, receipt, { status: 'COMPLETE', result: result ?? null, error: null });
        this.events.emit({ type: 'completed', queue: definition.name });
        return done;
    }
    async fail(definition, message, receipt, error) {
        const info = errorInfo(error);
        if (message.attempts < definition.delivery.maxAttempts) {
            const now = this.clock.now();
            const retried = await this.settle(definition, message.id, receipt, {
                status: 'PENDING',
                error: info,
                availableAt: now + retryDelayMs(definition, message.attempts),
            });
            this.events.emit({ type: 'failed', queue: definition.name, retry: true });
            return retried;
        }
        return this.giveUp(definition, message.id, receipt, info);
    }
    async giveUp(definition, id, receipt, error) {
        const failed = await this.settle(definition, id, receipt, { status: 'ERROR', error });
        this.events.emit({ type: 'failed', queue: definition.name, retry: false });
        await this.deadLetter(definition, failed);
        return failed;
    }
    async release(definition, id, receipt, options) {
        const now = this.clock.now();
        const released = await this.settle(definition, id, receipt, {
            status: 'PENDING',
            toEnd: options.toEnd,
            uncountAttempt: true,
            availableAt: now + (options.delaySeconds ?? 0) * 1000,
        });
        this.events.emit({ type: 'returned', queue: definition.name });
        return released;
    }
    async moveTo(definition, message, receipt, target, sentBy) {
        const entry = this.registry.require(target);
        const current = await this.store(definition).get(definition.name, message.id);
        if (!current || current.receipt !== receipt || current.status !== 'INPROGRESS') {
            throw new domain_error_1.DomainError('RECEIPT_STALE', 'The receipt is not the current lease of this message');
        }
        const record = this.messages.prepare(entry, current.request, { sentBy, idempotencyKey: `moved:${definition.name}:${message.id}:${current.attempts}` });
        const [moved] = await this.messages.insertPrepared(target, [record]);
        return this.complete(definition, message.id, receipt, { movedTo: { queue: target, id: moved.message.id } });
    }
    async extend(definition, id, receipt, visibilitySeconds) {
        (0, messages_service_1.assertMessageId)(definition.name, id);
        const now = this.clock.now();
        return this.store(definition).extendLease(definition.name, id, receipt, now + visibilitySeconds * 1000, now);
    }
    async requeue(definition, id) {
        (0, messages_service_1.assertMessageId)(definition.name, id);
        const requeued = await this.store(definition).requeue(definition.name, id, this.clock.now());
        this.events.emit({ type: 'returned', queue: definition.name });
        return requeued;
    }
    async expireLeases(definition, limit = 100) {
        const expired = await this.store(definition).findExpiredLeases(definition.name, this.clock.now(), limit);
        let handled = 0;
        for (const message of expired) {
            try {
                await this.fail(definition, message, message.receipt, { name: 'LeaseExpired', message: `lease expired after attempt ${message.attempts}` });
                handled++;
            }
            catch (error) {
                if (!(error instanceof domain_error_1.DomainError && (error.code === 'RECEIPT_STALE' || error.code === 'MESSAGE_NOT_FOUND')))
                    throw error;
            }
        }
        return handled;
    }
    async settle(definition, id, receipt, change) {
        (0, messages_service_1.assertMessageId)(definition.name, id);
        return this.store(definition).settle(definition.name, id, receipt, { ...change, now: this.clock.now() });
    }
    async deadLetter(definition, failed) {
        const target = definition.delivery.deadLetterQueue;
        if (!target)
            return;
        const entry = this.registry.get(target);
        if (!entry) {
            this.logger.error(`dead-letter queue ${target} of ${definition.name} does not exist; message ${failed.id} stays ERROR only`);
            return;
        }
        const now = this.clock.now();
        await this.storage.forQueue(entry.definition).insert([
            {
                id: (0, node_crypto_1.randomUUID)(),
                queue: target,
                request: failed.request,
                sentBy: failed.sentBy,
                createdAt: now,
                availableAt: now,
                idempotencyKey: `dead-letter:${definition.name}:${failed.id}:${failed.updatedAt}`,
                deadLetter: { queue: definition.name, id: failed.id, error: failed.error },
            },
        ]);
        this.events.emit({ type: 'dead_lettered', queue: definition.name, target });
    }
};
exports.DeliveryService = DeliveryService;
exports.DeliveryService = DeliveryService = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [queue_registry_service_1.QueueRegistry,
        storage_service_1.StorageService,
        messages_service_1.MessagesService,
        clock_1.Clock,
        message_events_1.MessageEvents])
], DeliveryService);
//# sourceMappingURL=delivery.service.js.map