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
exports.ConsumersService = void 0;
const common_1 = require("@nestjs/common");
const clock_1 = require("../common/clock.js");
const domain_error_1 = require("../common/domain-error.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
const access_service_1 = require("../security/access.service.js");
const lifecycle_service_1 = require("../health/lifecycle.service.js");
const delivery_service_1 = require("./delivery.service.js");
const message_events_1 = require("./message-events.js");
const messages_service_1 = require("./messages.service.js");
const availability_waiter_1 = require("./availability-waiter.js");
const BACKSTOP_MS = 1_000;
let ConsumersService = class ConsumersService {
    registry;
    delivery;
    events;
    access;
    clock;
    lifecycle;
    logger = new common_1.Logger('Consumers');
    shutdown = new AbortController();
    constructor(registry, delivery, events, access, clock, lifecycle) {
        this.registry = registry;
        this.delivery = delivery;
        this.events = events;
        this.access = access;
        this.clock = clock;
        this.lifecycle = lifecycle;
    }
    onModuleDestroy() {
        this.shutdown.abort();
    }
    async receive(queue, input, signal) {
        const stop = AbortSignal.any([signal, this.shutdown.signal]);
        const deadline = Date.now() + input.waitSeconds * 1000;
        for (;;) {
            const definition = this.consumable(queue);
            const store = this.delivery.store(definition);
            const waiter = new availability_waiter_1.AvailabilityWaiter(queue, this.events, store, stop);
            try {
                await this.delivery.expireLeases(definition);
                const visibility = input.visibilityTimeoutSeconds ?? definition.delivery.visibilityTimeoutSeconds;
                const claimed = await this.delivery.claim(definition, input.maxMessages, visibility, 'receive');
                if (claimed.length && signal.aborted) {
                    await this.giveBack(definition, claimed);
                    return [];
                }
                const left = this.lifecycle?.draining ? 0 : deadline - Date.now();
                if (claimed.length || left <= 0 || stop.aborted)
                    return claimed;
                await waiter.wait(Math.min(left, BACKSTOP_MS));
                if (stop.aborted)
                    return [];
            }
            finally {
                waiter.dispose();
            }
        }
    }
    async ack(queue, id, input, principal) {
        if (input.outcome === 'send_to_another_queue' && input.queue === undefined) {
            throw new domain_error_1.DomainError('VALIDATION_FAILED', 'outcome send_to_another_queue needs the target queue in "queue"');
        }
        const definition = this.registry.require(queue).definition;
        const message = await this.leased(definition, id, input.receipt);
        switch (input.outcome) {
            case 'complete':
                return this.delivery.complete(definition, id, input.receipt, input.result ?? null);
            case 'error':
                return this.delivery.giveUp(definition, id, input.receipt, consumerError(input.error));
            case 'return_to_queue':
                return this.delivery.release(definition, id, input.receipt, { toEnd: false, delaySeconds: input.delaySeconds });
            case 'return_to_end_of_queue':
                return this.delivery.release(definition, id, input.receipt, { toEnd: true, delaySeconds: input.delaySeconds });
            case 'send_to_another_queue': {
                const target = input.queue;
                if (target === queue) {
                    throw new domain_error_1.DomainError('VALIDATION_FAILED', 'send_to_another_queue needs a different queue; use return_to_end_of_queue for this one');
                }
                await this.access.assert(principal, 'message.write', { queue: this.registry.require(target).definition });
                return this.delivery.moveTo(definition, message, input.receipt, target, principal.subject);
            }
        }
    }
    async lease(queue, id, receipt, visibilitySeconds) {
        const definition = this.registry.require(queue).definition;
        await this.leased(definition, id, receipt);
        return this.delivery.extend(definition, id, receipt, visibilitySeconds);
    }
    consumable(queue) {
        const entry = this.registry.require(queue);
        if (entry.handlerPath !== null) {
            throw new domain_error_1.DomainError('QUEUE_HAS_HANDLER', `Queue ${queue} has a handler; its messages are processed by Mailroom, not received`);
        }
        return entry.definition;
    }
    async leased(definition, id, receipt) {
        (0, messages_service_1.assertMessageId)(definition.name, id);
        const message = await this.delivery.store(definition).get(definition.name, id);
        if (!message)
            throw new domain_error_1.DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${definition.name}`);
        if (message.status !== 'INPROGRESS' || message.receipt !== receipt)
            throw stale();
        if (message.leaseExpiresAt !== null && message.leaseExpiresAt <= this.clock.now()) {
            await this.delivery.expireLeases(definition);
            throw stale();
        }
        return message;
    }
    async giveBack(definition, claimed) {
        for (const message of claimed) {
            try {
                await this.delivery.release(definition, message.id, message.receipt, { toEnd: false });
            }
            catch (error) {
                this.logger.warn(`could not return message ${message.id} of ${definition.name} after an aborted receive: ${error.message}`);
            }
        }
    }
};
exports.ConsumersService = ConsumersService;
exports.ConsumersService = ConsumersService = __decorate([
    (0, common_1.Injectable)(),
    __param(5, (0, common_1.Optional)()),
    __metadata("design:paramtypes", [queue_registry_service_1.QueueRegistry,
        delivery_service_1.DeliveryService,
        message_events_1.MessageEvents,
        access_service_1.AccessService,
        clock_1.Clock,
        lifecycle_service_1.LifecycleService])
], ConsumersService);
function stale() {
    return new domain_error_1.DomainError('RECEIPT_STALE', 'The receipt is not the current lease of this message (the lease expired or the message was settled)');
}
function consumerError(error) {
    if (error === undefined)
        return { name: 'ConsumerError', message: 'the consumer reported an error' };
    if (typeof error === 'string')
        return { name: 'ConsumerError', message: error };
    return { ...error, name: error.name ?? 'ConsumerError', message: error.message };
}
//# sourceMappingURL=consumers.service.js.map