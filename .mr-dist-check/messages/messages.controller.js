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
exports.MessagesController = void 0;
const common_1 = require("@nestjs/common");
const swagger_1 = require("@nestjs/swagger");
const api_schemas_1 = require("../common/api-schemas.js");
const domain_error_1 = require("../common/domain-error.js");
const json_validation_1 = require("../common/json-validation.js");
const access_decorator_1 = require("../security/access.decorator.js");
const current_principal_decorator_1 = require("../security/current-principal.decorator.js");
const message_store_1 = require("../storage/ports/message.store.js");
const messages_service_1 = require("./messages.service.js");
const delivery_service_1 = require("./delivery.service.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
const message_view_1 = require("./message.view.js");
const batchBodySchema = {
    type: 'object',
    required: ['messages'],
    additionalProperties: false,
    properties: { messages: { type: 'array', minItems: 1, maxItems: 100, items: {} } },
};
const delayQuery = { name: 'delaySeconds', required: false, schema: { type: 'integer', minimum: 0, maximum: messages_service_1.MAX_DELAY_SECONDS } };
const idempotencyHeader = { name: 'Idempotency-Key', required: false, description: 'a retried push with the same key answers 200 with the first message instead of storing another' };
let MessagesController = class MessagesController {
    messages;
    delivery;
    registry;
    constructor(messages, delivery, registry) {
        this.messages = messages;
        this.delivery = delivery;
        this.registry = registry;
    }
    async push(queue, body, delay, idempotencyKey, principal, response) {
        const { message, replayed } = await this.messages.push(queue, body, {
            sentBy: principal.subject,
            idempotencyKey: idempotencyKey ?? null,
            delaySeconds: (0, json_validation_1.queryInt)(delay, 'delaySeconds', 0, 0, messages_service_1.MAX_DELAY_SECONDS),
        });
        response.status(replayed ? 200 : 201).location(`/api/v1/queues/${encodeURIComponent(queue)}/messages/${message.id}`);
        return (0, message_view_1.toMessageView)(message);
    }
    async pushBatch(queue, body, delay, idempotencyKey, principal) {
        const { messages } = (0, json_validation_1.validateInput)(batchBodySchema, body, 'VALIDATION_FAILED', 'batch');
        const outcomes = await this.messages.pushBatch(queue, messages, {
            sentBy: principal.subject,
            idempotencyKey: idempotencyKey ?? null,
            delaySeconds: (0, json_validation_1.queryInt)(delay, 'delaySeconds', 0, 0, messages_service_1.MAX_DELAY_SECONDS),
        });
        return { items: outcomes.map((o) => (0, message_view_1.toMessageView)(o.message)) };
    }
    async list(queue, status, limit, cursor) {
        if (status !== undefined && !message_store_1.MESSAGE_STATUSES.includes(status)) {
            throw new domain_error_1.DomainError('VALIDATION_FAILED', `status must be one of ${message_store_1.MESSAGE_STATUSES.join(', ')}`);
        }
        const page = await this.messages.list(queue, status, (0, json_validation_1.queryInt)(limit, 'limit', 100, 1, 1000), cursor || null);
        return { items: page.items.map(message_view_1.toMessageView), nextCursor: page.nextCursor };
    }
    async get(queue, id) {
        return (0, message_view_1.toMessageView)(await this.messages.get(queue, id));
    }
    async delete(queue, id) {
        await this.messages.delete(queue, id);
    }
    async requeue(queue, id) {
        return (0, message_view_1.toMessageView)(await this.delivery.requeue(this.registry.require(queue).definition, id));
    }
};
exports.MessagesController = MessagesController;
__decorate([
    (0, common_1.Post)(),
    (0, access_decorator_1.Access)('message.write', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Push a message (the body is the message)' }),
    (0, swagger_1.ApiHeader)(idempotencyHeader),
    (0, swagger_1.ApiQuery)(delayQuery),
    (0, swagger_1.ApiBody)({ schema: { description: 'any JSON value accepted by the queue schema' } }),
    (0, swagger_1.ApiCreatedResponse)({ schema: message_view_1.messageViewSchema, description: 'stored durably; Location names the message' }),
    (0, swagger_1.ApiOkResponse)({ schema: message_view_1.messageViewSchema, description: 'the Idempotency-Key was used before: the first message' }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'MALFORMED_JSON or VALIDATION_FAILED', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiPayloadTooLargeResponse)({ description: 'PAYLOAD_TOO_LARGE (MESSAGE_MAX_BYTES)', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiUnprocessableEntityResponse)({ description: 'MESSAGE_SCHEMA_INVALID', schema: api_schemas_1.schemaErrorResponseSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Body)()),
    __param(2, (0, common_1.Query)('delaySeconds')),
    __param(3, (0, common_1.Headers)('idempotency-key')),
    __param(4, (0, current_principal_decorator_1.CurrentPrincipal)()),
    __param(5, (0, common_1.Res)({ passthrough: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, Object, Object, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], MessagesController.prototype, "push", null);
__decorate([
    (0, common_1.Post)('batch'),
    (0, access_decorator_1.Access)('message.write', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Push up to 100 messages: all are valid and stored, or none is' }),
    (0, swagger_1.ApiHeader)({ ...idempotencyHeader, description: 'message i uses the key "<key>:<i>"' }),
    (0, swagger_1.ApiQuery)(delayQuery),
    (0, swagger_1.ApiBody)({ schema: batchBodySchema }),
    (0, swagger_1.ApiCreatedResponse)({ schema: { type: 'object', properties: { items: { type: 'array', items: message_view_1.messageViewSchema } } } }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'MALFORMED_JSON or VALIDATION_FAILED', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiPayloadTooLargeResponse)({ description: 'PAYLOAD_TOO_LARGE', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiUnprocessableEntityResponse)({ description: 'MESSAGE_SCHEMA_INVALID (the message names the index)', schema: api_schemas_1.schemaErrorResponseSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Body)()),
    __param(2, (0, common_1.Query)('delaySeconds')),
    __param(3, (0, common_1.Headers)('idempotency-key')),
    __param(4, (0, current_principal_decorator_1.CurrentPrincipal)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, Object, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], MessagesController.prototype, "pushBatch", null);
__decorate([
    (0, common_1.Get)(),
    (0, access_decorator_1.Access)('message.consume', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'List messages in delivery order, optionally by status' }),
    (0, swagger_1.ApiQuery)({ name: 'status', required: false, enum: message_store_1.MESSAGE_STATUSES }),
    (0, swagger_1.ApiQuery)({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }),
    (0, swagger_1.ApiQuery)({ name: 'cursor', required: false, schema: { type: 'string' } }),
    (0, swagger_1.ApiOkResponse)({ schema: message_view_1.messagePageSchema }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'VALIDATION_FAILED or INVALID_CURSOR', schema: api_schemas_1.errorResponseSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Query)('status')),
    __param(2, (0, common_1.Query)('limit')),
    __param(3, (0, common_1.Query)('cursor')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String, String, String]),
    __metadata("design:returntype", Promise)
], MessagesController.prototype, "list", null);
__decorate([
    (0, common_1.Get)(':id'),
    (0, access_decorator_1.Access)('message.write', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Status and result of a message' }),
    (0, swagger_1.ApiOkResponse)({ schema: message_view_1.messageViewSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Param)('id')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String]),
    __metadata("design:returntype", Promise)
], MessagesController.prototype, "get", null);
__decorate([
    (0, common_1.Delete)(':id'),
    (0, common_1.HttpCode)(204),
    (0, access_decorator_1.Access)('message.write', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Delete a message' }),
    (0, swagger_1.ApiNoContentResponse)(),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Param)('id')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String]),
    __metadata("design:returntype", Promise)
], MessagesController.prototype, "delete", null);
__decorate([
    (0, common_1.Post)(':id/requeue'),
    (0, common_1.HttpCode)(200),
    (0, access_decorator_1.Access)('message.consume', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Put an ERROR message back to PENDING (attempts start again)' }),
    (0, swagger_1.ApiOkResponse)({ schema: message_view_1.messageViewSchema }),
    (0, swagger_1.ApiConflictResponse)({ description: 'MESSAGE_NOT_IN_ERROR', schema: api_schemas_1.errorResponseSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Param)('id')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String]),
    __metadata("design:returntype", Promise)
], MessagesController.prototype, "requeue", null);
exports.MessagesController = MessagesController = __decorate([
    (0, swagger_1.ApiTags)('messages'),
    (0, common_1.Controller)('queues/:queue/messages'),
    __metadata("design:paramtypes", [messages_service_1.MessagesService,
        delivery_service_1.DeliveryService,
        queue_registry_service_1.QueueRegistry])
], MessagesController);
//# sourceMappingURL=messages.controller.js.map