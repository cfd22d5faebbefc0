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
exports.FanOutService = void 0;
exports.fanOutKey = fanOutKey;
const common_1 = require("@nestjs/common");
const node_crypto_1 = require("node:crypto");
const domain_error_1 = require("../common/domain-error.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
const messages_service_1 = require("../messages/messages.service.js");
const topic_publisher_1 = require("../messages/topic-publisher.js");
const topics_service_1 = require("./topics.service.js");
const MAX_KEY = 200;
function fanOutKey(topic, key) {
    const plain = `topic:${topic}:${key}`;
    if (plain.length <= MAX_KEY)
        return plain;
    return `topic:${topic}:sha256:${(0, node_crypto_1.createHash)('sha256').update(key).digest('base64url')}`;
}
let FanOutService = class FanOutService extends topic_publisher_1.TopicPublisher {
    topics;
    registry;
    messages;
    logger = new common_1.Logger('FanOut');
    constructor(topics, registry, messages) {
        super();
        this.topics = topics;
        this.registry = registry;
        this.messages = messages;
    }
    async publish(topic, body, options) {
        const { replayed: _replayed, ...result } = await this.fanOut(topic, body, options);
        return result;
    }
    async fanOut(topic, body, options) {
        const key = options.idempotencyKey ?? null;
        if (key !== null && (key.length === 0 || key.length > MAX_KEY)) {
            throw new domain_error_1.DomainError('VALIDATION_FAILED', `Idempotency-Key must be 1 to ${MAX_KEY} visible ASCII characters`);
        }
        const entries = this.boundEntries(topic, await this.topics.queuesOf(topic));
        const records = entries.map((entry) => this.messages.prepare(entry, body, { sentBy: options.sentBy, idempotencyKey: key === null ? null : fanOutKey(topic, key) }));
        const settled = await Promise.allSettled(records.map((record) => this.store(record)));
        const failed = settled.find((s) => s.status === 'rejected');
        if (failed)
            throw failed.reason;
        const copies = settled.map((s) => s.value);
        return {
            topic,
            messages: copies.map(({ queue, id }) => ({ queue, id })),
            replayed: copies.length > 0 && copies.every((c) => c.replayed),
        };
    }
    boundEntries(topic, queues) {
        const entries = [];
        for (const name of queues) {
            const entry = this.registry.get(name);
            if (entry)
                entries.push(entry);
            else
                this.logger.warn(`topic ${topic} names queue ${name}, which does not exist; skipped`);
        }
        return entries;
    }
    async store(record) {
        const [outcome] = await this.messages.insertPrepared(record.queue, [record]);
        return { queue: record.queue, id: outcome.message.id, replayed: outcome.replayed };
    }
};
exports.FanOutService = FanOutService;
exports.FanOutService = FanOutService = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [topics_service_1.TopicsService,
        queue_registry_service_1.QueueRegistry,
        messages_service_1.MessagesService])
], FanOutService);
//# sourceMappingURL=fan-out.service.js.map