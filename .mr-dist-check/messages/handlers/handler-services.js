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
exports.HandlerServices = void 0;
const common_1 = require("@nestjs/common");
const core_1 = require("@nestjs/core");
const domain_error_1 = require("../../common/domain-error.js");
const config_tokens_1 = require("../../config/config.tokens.js");
const queue_registry_service_1 = require("../../queues/queue-registry.service.js");
const storage_service_1 = require("../../storage/storage.service.js");
const messages_service_1 = require("../messages.service.js");
const message_view_1 = require("../message.view.js");
const topic_publisher_1 = require("../topic-publisher.js");
const auth_client_tokens_1 = require("./auth-client-tokens.js");
const KEY_MAX_LENGTH = 512;
function text(value, what) {
    if (typeof value !== 'string' || value.length === 0)
        throw new auth_client_tokens_1.HandlerServiceError('TypeError', `${what} must be a non-empty string`);
    return value;
}
let HandlerServices = class HandlerServices {
    registry;
    messages;
    storage;
    tokens;
    moduleRef;
    config;
    logger = new common_1.Logger('Handler');
    running = new Map();
    ports = new Set();
    constructor(registry, messages, storage, tokens, moduleRef, config) {
        this.registry = registry;
        this.messages = messages;
        this.storage = storage;
        this.tokens = tokens;
        this.moduleRef = moduleRef;
        this.config = config;
    }
    begin(messageId, queue) {
        this.running.set(messageId, queue);
    }
    end(messageId) {
        this.running.delete(messageId);
    }
    attach(port) {
        this.ports.add(port);
        port.on('message', (message) => {
            if ('log' in message)
                this.log(message);
            else if ('method' in message)
                void this.answer(port, message);
        });
        port.on('close', () => this.ports.delete(port));
        port.unref();
    }
    detachAll() {
        for (const port of this.ports)
            port.close();
        this.ports.clear();
    }
    async invoke(queue, method, args) {
        const sentBy = `handler:${queue}`;
        switch (method) {
            case 'messaging.queueMessage': {
                const [target, body, options] = args;
                const { message } = await this.messages.push(text(target, 'queue'), body, {
                    sentBy,
                    delaySeconds: options?.delaySeconds,
                    idempotencyKey: options?.idempotencyKey ?? null,
                });
                return (0, message_view_1.toMessageView)(message);
            }
            case 'messaging.getMessage':
                return (0, message_view_1.toMessageView)(await this.messages.get(text(args[0], 'queue'), text(args[1], 'id')));
            case 'messaging.deleteMessage':
                await this.messages.delete(text(args[0], 'queue'), text(args[1], 'id'));
                return true;
            case 'messaging.publish':
                return this.topics().publish(text(args[0], 'topic'), args[1], { sentBy });
            case 'storage.get':
                return this.kv(queue).kvGet(queue, this.key(args[0]));
            case 'storage.set':
                await this.kv(queue).kvSet(queue, this.key(args[0]), this.value(args[1]));
                return true;
            case 'storage.delete':
                return this.kv(queue).kvDelete(queue, this.key(args[0]));
            case 'storage.list': {
                const prefix = args[0] === undefined || args[0] === null ? undefined : text(args[0], 'prefix');
                return this.kv(queue).kvList(queue, prefix);
            }
            case 'auth.getAccessToken':
                return this.tokens.getAccessToken();
            default:
                throw new auth_client_tokens_1.HandlerServiceError('TypeError', `unknown service call ${method}`);
        }
    }
    async answer(port, call) {
        let reply;
        try {
            if (this.running.get(call.messageId) !== call.queue) {
                throw new auth_client_tokens_1.HandlerServiceError('HandlerFinished', `${call.method} was called after the handler of message ${call.messageId} had finished`);
            }
            reply = { id: call.id, ok: true, value: await this.invoke(call.queue, call.method, Array.isArray(call.args) ? call.args : []) };
        }
        catch (error) {
            reply = { id: call.id, ok: false, error: this.describe(call, error) };
        }
        try {
            port.postMessage(reply);
        }
        catch {
        }
    }
    describe(call, error) {
        if (error instanceof domain_error_1.DomainError) {
            const info = { name: 'MailroomError', code: error.code, message: error.message };
            if (error.details !== undefined)
                info.details = error.details;
            if (error.extra?.errors !== undefined)
                info.errors = error.extra.errors;
            return info;
        }
        if (error instanceof auth_client_tokens_1.HandlerServiceError)
            return { name: error.name, message: error.message };
        this.logger.error({ msg: `service call ${call.method} failed`, queue: call.queue, messageId: call.messageId, error: error?.message });
        return { name: 'Error', message: `${call.method} failed unexpectedly` };
    }
    log(line) {
        const entry = { msg: line.message, queue: line.queue, messageId: line.messageId, attempt: line.attempt };
        if (line.fields !== undefined)
            entry.fields = line.fields;
        switch (line.log) {
            case 'error':
                return this.logger.error(entry);
            case 'warn':
                return this.logger.warn(entry);
            case 'debug':
                return this.logger.debug(entry);
            default:
                return this.logger.log(entry);
        }
    }
    topics() {
        try {
            return this.moduleRef.get(topic_publisher_1.TopicPublisher, { strict: false });
        }
        catch {
            throw new auth_client_tokens_1.HandlerServiceError('TopicsUnavailable', 'publish needs the topics module, which is not part of this Mailroom build');
        }
    }
    kv(queue) {
        return this.storage.forQueue(this.registry.require(queue).definition);
    }
    key(value) {
        const key = text(value, 'key');
        if (key.length > KEY_MAX_LENGTH)
            throw new auth_client_tokens_1.HandlerServiceError('RangeError', `a key is at most ${KEY_MAX_LENGTH} characters`);
        return key;
    }
    value(value) {
        const json = value === undefined ? undefined : JSON.stringify(value);
        if (json === undefined)
            throw new auth_client_tokens_1.HandlerServiceError('TypeError', 'a stored value must be JSON (use delete to remove a key)');
        if (Buffer.byteLength(json) > this.config.messageMaxBytes) {
            throw new auth_client_tokens_1.HandlerServiceError('RangeError', `a stored value is at most ${this.config.messageMaxBytes} bytes`);
        }
        return value;
    }
};
exports.HandlerServices = HandlerServices;
exports.HandlerServices = HandlerServices = __decorate([
    (0, common_1.Injectable)(),
    __param(5, (0, config_tokens_1.InjectConfig)()),
    __metadata("design:paramtypes", [queue_registry_service_1.QueueRegistry,
        messages_service_1.MessagesService,
        storage_service_1.StorageService,
        auth_client_tokens_1.AuthClientTokens,
        core_1.ModuleRef, Object])
], HandlerServices);
//# sourceMappingURL=handler-services.js.map