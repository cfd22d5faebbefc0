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
exports.MessagesService = exports.MAX_DELAY_SECONDS = void 0;
exports.assertMessageId = assertMessageId;
const common_1 = require("@nestjs/common");
const node_crypto_1 = require("node:crypto");
const clock_1 = require("../common/clock.js");
const domain_error_1 = require("../common/domain-error.js");
const config_tokens_1 = require("../config/config.tokens.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
const schema_service_1 = require("../queues/schema.service.js");
const storage_service_1 = require("../storage/storage.service.js");
const message_events_1 = require("./message-events.js");
exports.MAX_DELAY_SECONDS = 86_400;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
function assertMessageId(queue, id) {
    if (!UUID.test(id))
        throw new domain_error_1.DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
}
let MessagesService = class MessagesService {
    registry;
    schemas;
    storage;
    clock;
    config;
    events;
    constructor(registry, schemas, storage, clock, config, events) {
        this.registry = registry;
        this.schemas = schemas;
        this.storage = storage;
        this.clock = clock;
        this.config = config;
        this.events = events;
    }
    prepare(entry, body, options, label) {
        const size = Buffer.byteLength(JSON.stringify(body ?? null));
        if (size > this.config.messageMaxBytes) {
            throw new domain_error_1.DomainError('PAYLOAD_TOO_LARGE', `${label ? `${label}: ` : ''}message is ${size} bytes; the limit is ${this.config.messageMaxBytes}`);
        }
        this.schemas.validate(entry.definition, body, label);
        const key = options.idempotencyKey ?? null;
        if (key !== null && !IDEMPOTENCY_KEY.test(key)) {
            throw new domain_error_1.DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 200 visible ASCII characters');
        }
        const delay = options.delaySeconds ?? 0;
        if (!Number.isInteger(delay) || delay < 0 || delay > exports.MAX_DELAY_SECONDS) {
            throw new domain_error_1.DomainError('VALIDATION_FAILED', `delaySeconds must be a whole number from 0 to ${exports.MAX_DELAY_SECONDS}`);
        }
        const now = this.clock.now();
        return {
            id: (0, node_crypto_1.randomUUID)(),
            queue: entry.definition.name,
            request: body ?? null,
            sentBy: options.sentBy,
            createdAt: now,
            availableAt: now + delay * 1000,
            idempotencyKey: key,
        };
    }
    async push(queue, body, options) {
        const entry = this.registry.require(queue);
        const outcomes = await this.insertPrepared(queue, [this.prepare(entry, body, options)]);
        return outcomes[0];
    }
    async pushBatch(queue, bodies, options) {
        const entry = this.registry.require(queue);
        const records = bodies.map((body, index) => this.prepare(entry, body, { ...options, idempotencyKey: options.idempotencyKey ? `${options.idempotencyKey}:${index}` : null }, `messages[${index}]`));
        return this.insertPrepared(queue, records);
    }
    async insertPrepared(queue, records) {
        const entry = this.registry.require(queue);
        const outcomes = await this.storage.forQueue(entry.definition).insert(records);
        const stored = outcomes.filter((o) => !o.replayed).length;
        if (stored)
            this.events.emit({ type: 'pushed', queue, count: stored });
        return outcomes;
    }
    async get(queue, id) {
        assertMessageId(queue, id);
        const entry = this.registry.require(queue);
        const message = await this.storage.forQueue(entry.definition).get(queue, id);
        if (!message)
            throw new domain_error_1.DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
        return message;
    }
    async delete(queue, id) {
        assertMessageId(queue, id);
        const entry = this.registry.require(queue);
        if (!(await this.storage.forQueue(entry.definition).delete(queue, id))) {
            throw new domain_error_1.DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
        }
    }
    async list(queue, status, limit, cursor) {
        const entry = this.registry.require(queue);
        return this.storage.forQueue(entry.definition).list(queue, { status, limit, cursor });
    }
};
exports.MessagesService = MessagesService;
exports.MessagesService = MessagesService = __decorate([
    (0, common_1.Injectable)(),
    __param(4, (0, config_tokens_1.InjectConfig)()),
    __metadata("design:paramtypes", [queue_registry_service_1.QueueRegistry,
        schema_service_1.SchemaService,
        storage_service_1.StorageService,
        clock_1.Clock, Object, message_events_1.MessageEvents])
], MessagesService);
//# sourceMappingURL=messages.service.js.map