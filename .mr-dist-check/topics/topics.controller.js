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
exports.TopicsController = void 0;
const common_1 = require("@nestjs/common");
const swagger_1 = require("@nestjs/swagger");
const api_schemas_1 = require("../common/api-schemas.js");
const json_validation_1 = require("../common/json-validation.js");
const access_decorator_1 = require("../security/access.decorator.js");
const current_principal_decorator_1 = require("../security/current-principal.decorator.js");
const topics_service_1 = require("./topics.service.js");
const fan_out_service_1 = require("./fan-out.service.js");
const topic_schemas_1 = require("./topic.schemas.js");
const topicNotFound = { description: 'TOPIC_NOT_FOUND', schema: api_schemas_1.errorResponseSchema };
const managed = { description: 'MANAGED_BY_CONFIG: the topic is defined by a file', schema: api_schemas_1.errorResponseSchema };
let TopicsController = class TopicsController {
    topics;
    fanOut;
    constructor(topics, fanOut) {
        this.topics = topics;
        this.fanOut = fanOut;
    }
    list(limit, cursor) {
        return this.topics.list((0, json_validation_1.queryInt)(limit, 'limit', 100, 1, 1000), cursor || null);
    }
    create(body) {
        return this.topics.create(body);
    }
    get(topic) {
        return this.topics.get(topic);
    }
    delete(topic) {
        return this.topics.delete(topic);
    }
    bind(topic, queue) {
        return this.topics.bind(topic, queue);
    }
    unbind(topic, queue) {
        return this.topics.unbind(topic, queue);
    }
    async publish(topic, body, idempotencyKey, principal, response) {
        const { replayed, ...result } = await this.fanOut.fanOut(topic, body, { sentBy: principal.subject, idempotencyKey: idempotencyKey ?? null });
        response.status(replayed ? 200 : 201);
        return result;
    }
};
exports.TopicsController = TopicsController;
__decorate([
    (0, common_1.Get)(),
    (0, access_decorator_1.Access)('catalog.read'),
    (0, swagger_1.ApiOperation)({ summary: 'List topics with their bound queues' }),
    (0, swagger_1.ApiQuery)({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }),
    (0, swagger_1.ApiQuery)({ name: 'cursor', required: false, schema: { type: 'string' } }),
    (0, swagger_1.ApiOkResponse)({ schema: topic_schemas_1.topicListSchema }),
    __param(0, (0, common_1.Query)('limit')),
    __param(1, (0, common_1.Query)('cursor')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String]),
    __metadata("design:returntype", Promise)
], TopicsController.prototype, "list", null);
__decorate([
    (0, common_1.Post)(),
    (0, access_decorator_1.Access)('catalog.write'),
    (0, swagger_1.ApiOperation)({ summary: 'Create a topic, optionally bound to queues at once' }),
    (0, swagger_1.ApiBody)({ schema: topic_schemas_1.topicInputSchema }),
    (0, swagger_1.ApiCreatedResponse)({ schema: topic_schemas_1.topicViewSchema }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'INVALID_TOPIC_DEFINITION', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiNotFoundResponse)({ description: 'QUEUE_NOT_FOUND: a queue to bind does not exist', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiConflictResponse)({ description: 'NAME_TAKEN: a queue or topic has this name', schema: api_schemas_1.errorResponseSchema }),
    __param(0, (0, common_1.Body)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object]),
    __metadata("design:returntype", Promise)
], TopicsController.prototype, "create", null);
__decorate([
    (0, common_1.Get)(':topic'),
    (0, access_decorator_1.Access)('catalog.read', { topicParam: 'topic' }),
    (0, swagger_1.ApiOperation)({ summary: 'A topic with its bound queues' }),
    (0, swagger_1.ApiOkResponse)({ schema: topic_schemas_1.topicViewSchema }),
    (0, swagger_1.ApiNotFoundResponse)(topicNotFound),
    __param(0, (0, common_1.Param)('topic')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String]),
    __metadata("design:returntype", Promise)
], TopicsController.prototype, "get", null);
__decorate([
    (0, common_1.Delete)(':topic'),
    (0, common_1.HttpCode)(204),
    (0, access_decorator_1.Access)('catalog.write', { topicParam: 'topic' }),
    (0, swagger_1.ApiOperation)({ summary: 'Delete a topic with its bindings and grants (bound queues and their messages stay)' }),
    (0, swagger_1.ApiNoContentResponse)(),
    (0, swagger_1.ApiNotFoundResponse)(topicNotFound),
    (0, swagger_1.ApiConflictResponse)(managed),
    __param(0, (0, common_1.Param)('topic')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String]),
    __metadata("design:returntype", Promise)
], TopicsController.prototype, "delete", null);
__decorate([
    (0, common_1.Put)(':topic/queues/:queue'),
    (0, common_1.HttpCode)(204),
    (0, access_decorator_1.Access)('catalog.write', { topicParam: 'topic' }),
    (0, swagger_1.ApiOperation)({ summary: 'Bind a queue to the topic (idempotent)' }),
    (0, swagger_1.ApiNoContentResponse)(),
    (0, swagger_1.ApiNotFoundResponse)({ description: 'TOPIC_NOT_FOUND or QUEUE_NOT_FOUND', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiConflictResponse)(managed),
    __param(0, (0, common_1.Param)('topic')),
    __param(1, (0, common_1.Param)('queue')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String]),
    __metadata("design:returntype", Promise)
], TopicsController.prototype, "bind", null);
__decorate([
    (0, common_1.Delete)(':topic/queues/:queue'),
    (0, common_1.HttpCode)(204),
    (0, access_decorator_1.Access)('catalog.write', { topicParam: 'topic' }),
    (0, swagger_1.ApiOperation)({ summary: 'Unbind a queue from the topic (idempotent)' }),
    (0, swagger_1.ApiNoContentResponse)(),
    (0, swagger_1.ApiNotFoundResponse)({ description: 'TOPIC_NOT_FOUND or QUEUE_NOT_FOUND', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiConflictResponse)(managed),
    __param(0, (0, common_1.Param)('topic')),
    __param(1, (0, common_1.Param)('queue')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String]),
    __metadata("design:returntype", Promise)
], TopicsController.prototype, "unbind", null);
__decorate([
    (0, common_1.Post)(':topic/messages'),
    (0, access_decorator_1.Access)('topic.publish', { topicParam: 'topic' }),
    (0, swagger_1.ApiOperation)({ summary: 'Publish: one message per bound queue, each checked against its queue schema first (all or nothing stored)' }),
    (0, swagger_1.ApiHeader)({ name: 'Idempotency-Key', required: false, description: 'a retried publish with the same key stores no second copy in any queue and answers 200' }),
    (0, swagger_1.ApiBody)({ schema: { description: 'any JSON value accepted by every bound queue schema' } }),
    (0, swagger_1.ApiCreatedResponse)({ schema: topic_schemas_1.publishResultSchema }),
    (0, swagger_1.ApiOkResponse)({ schema: topic_schemas_1.publishResultSchema, description: 'the Idempotency-Key was used before: the first copies' }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'MALFORMED_JSON or VALIDATION_FAILED', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiNotFoundResponse)(topicNotFound),
    (0, swagger_1.ApiPayloadTooLargeResponse)({ description: 'PAYLOAD_TOO_LARGE', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiUnprocessableEntityResponse)({ description: 'MESSAGE_SCHEMA_INVALID: `queue` names the bound queue that refused it; nothing was stored', schema: api_schemas_1.schemaErrorResponseSchema }),
    __param(0, (0, common_1.Param)('topic')),
    __param(1, (0, common_1.Body)()),
    __param(2, (0, common_1.Headers)('idempotency-key')),
    __param(3, (0, current_principal_decorator_1.CurrentPrincipal)()),
    __param(4, (0, common_1.Res)({ passthrough: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, Object, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], TopicsController.prototype, "publish", null);
exports.TopicsController = TopicsController = __decorate([
    (0, swagger_1.ApiTags)('topics'),
    (0, common_1.Controller)('topics'),
    __metadata("design:paramtypes", [topics_service_1.TopicsService,
        fan_out_service_1.FanOutService])
], TopicsController);
//# sourceMappingURL=topics.controller.js.map