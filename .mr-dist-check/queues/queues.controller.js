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
exports.QueuesController = void 0;
const common_1 = require("@nestjs/common");
const swagger_1 = require("@nestjs/swagger");
const api_schemas_1 = require("../common/api-schemas.js");
const json_validation_1 = require("../common/json-validation.js");
const access_decorator_1 = require("../security/access.decorator.js");
const queues_service_1 = require("./queues.service.js");
const queue_schemas_1 = require("./queue.schemas.js");
let QueuesController = class QueuesController {
    queues;
    constructor(queues) {
        this.queues = queues;
    }
    list(limit, cursor) {
        return this.queues.list((0, json_validation_1.queryInt)(limit, 'limit', 100, 1, 1000), cursor || null);
    }
    create(body) {
        return this.queues.create(body);
    }
    get(queue) {
        return this.queues.get(queue);
    }
    replace(queue, body) {
        return this.queues.replace(queue, body);
    }
    delete(queue) {
        return this.queues.delete(queue);
    }
    stats(queue) {
        return this.queues.stats(queue);
    }
};
exports.QueuesController = QueuesController;
__decorate([
    (0, common_1.Get)(),
    (0, access_decorator_1.Access)('catalog.read'),
    (0, swagger_1.ApiOperation)({ summary: 'List queues (file-defined and API-created)' }),
    (0, swagger_1.ApiQuery)({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }),
    (0, swagger_1.ApiQuery)({ name: 'cursor', required: false, schema: { type: 'string' } }),
    (0, swagger_1.ApiOkResponse)({ schema: queue_schemas_1.queueListSchema }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'VALIDATION_FAILED or INVALID_CURSOR', schema: api_schemas_1.errorResponseSchema }),
    __param(0, (0, common_1.Query)('limit')),
    __param(1, (0, common_1.Query)('cursor')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String]),
    __metadata("design:returntype", Object)
], QueuesController.prototype, "list", null);
__decorate([
    (0, common_1.Post)(),
    (0, access_decorator_1.Access)('catalog.write'),
    (0, swagger_1.ApiOperation)({ summary: 'Create a queue' }),
    (0, swagger_1.ApiBody)({ schema: queue_schemas_1.queueDefinitionInputSchema }),
    (0, swagger_1.ApiCreatedResponse)({ schema: queue_schemas_1.queueViewSchema }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'INVALID_QUEUE_DEFINITION, INVALID_CONNECTION_STRING, SQL_HOST_NOT_ALLOWED, CONNECTION_FAILED', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiConflictResponse)({ description: 'NAME_TAKEN', schema: api_schemas_1.errorResponseSchema }),
    __param(0, (0, common_1.Body)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object]),
    __metadata("design:returntype", Promise)
], QueuesController.prototype, "create", null);
__decorate([
    (0, common_1.Get)(':queue'),
    (0, access_decorator_1.Access)('catalog.read', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Read a queue definition (passwords shown as ***)' }),
    (0, swagger_1.ApiOkResponse)({ schema: queue_schemas_1.queueViewSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String]),
    __metadata("design:returntype", Object)
], QueuesController.prototype, "get", null);
__decorate([
    (0, common_1.Put)(':queue'),
    (0, access_decorator_1.Access)('catalog.write', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Replace a queue definition' }),
    (0, swagger_1.ApiBody)({ schema: queue_schemas_1.queueDefinitionInputSchema }),
    (0, swagger_1.ApiOkResponse)({ schema: queue_schemas_1.queueViewSchema }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'INVALID_QUEUE_DEFINITION, INVALID_CONNECTION_STRING, SQL_HOST_NOT_ALLOWED, CONNECTION_FAILED', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiConflictResponse)({ description: 'MANAGED_BY_CONFIG', schema: api_schemas_1.errorResponseSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Body)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, Object]),
    __metadata("design:returntype", Promise)
], QueuesController.prototype, "replace", null);
__decorate([
    (0, common_1.Delete)(':queue'),
    (0, common_1.HttpCode)(204),
    (0, access_decorator_1.Access)('catalog.write', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Delete a queue with its messages, bindings and grants' }),
    (0, swagger_1.ApiNoContentResponse)(),
    (0, swagger_1.ApiConflictResponse)({ description: 'MANAGED_BY_CONFIG', schema: api_schemas_1.errorResponseSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String]),
    __metadata("design:returntype", Promise)
], QueuesController.prototype, "delete", null);
__decorate([
    (0, common_1.Get)(':queue/stats'),
    (0, access_decorator_1.Access)('catalog.read', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Message counts by status and the age of the oldest pending message' }),
    (0, swagger_1.ApiOkResponse)({ schema: queue_schemas_1.queueStatsSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String]),
    __metadata("design:returntype", Promise)
], QueuesController.prototype, "stats", null);
exports.QueuesController = QueuesController = __decorate([
    (0, swagger_1.ApiTags)('queues'),
    (0, common_1.Controller)('queues'),
    __metadata("design:paramtypes", [queues_service_1.QueuesService])
], QueuesController);
//# sourceMappingURL=queues.controller.js.map