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
exports.PermissionsController = void 0;
const common_1 = require("@nestjs/common");
const swagger_1 = require("@nestjs/swagger");
const api_schemas_1 = require("../common/api-schemas.js");
const access_decorator_1 = require("./access.decorator.js");
const current_principal_decorator_1 = require("./current-principal.decorator.js");
const permissions_service_1 = require("./permissions.service.js");
const grantSchema = {
    type: 'object',
    properties: {
        resource: { type: 'object', properties: { type: { type: 'string', enum: ['queue', 'topic'] }, name: { type: 'string' } } },
        subject: { type: 'string', description: "the token's sub" },
        action: { type: 'string', enum: ['send_to_queue', 'receive', 'send_to_topic'] },
        grantedBy: { type: 'string' },
        grantedAt: { type: 'string', format: 'date-time' },
    },
};
const grantListSchema = { type: 'object', properties: { items: { type: 'array', items: grantSchema }, nextCursor: { type: 'string', nullable: true } } };
const subjectParam = { name: 'subject', description: `the token's sub, matching ${permissions_service_1.SUBJECT_PATTERN}`, schema: { type: 'string', pattern: permissions_service_1.SUBJECT_PATTERN } };
const invalid = { description: 'INVALID_PERMISSION: unknown action or malformed subject', schema: api_schemas_1.errorResponseSchema };
const topicNotFound = { description: 'TOPIC_NOT_FOUND', schema: api_schemas_1.errorResponseSchema };
let PermissionsController = class PermissionsController {
    permissions;
    constructor(permissions) {
        this.permissions = permissions;
    }
    queueGrants(queue) {
        return this.permissions.listForResource('queue', queue);
    }
    grantOnQueue(queue, subject, action, principal) {
        return this.permissions.grant('queue', queue, subject, action, principal.subject);
    }
    revokeOnQueue(queue, subject, action) {
        return this.permissions.revoke('queue', queue, subject, action);
    }
    topicGrants(topic) {
        return this.permissions.listForResource('topic', topic);
    }
    grantOnTopic(topic, subject, action, principal) {
        return this.permissions.grant('topic', topic, subject, action, principal.subject);
    }
    revokeOnTopic(topic, subject, action) {
        return this.permissions.revoke('topic', topic, subject, action);
    }
    subjectGrants(subject) {
        return this.permissions.listForSubject(subject);
    }
};
exports.PermissionsController = PermissionsController;
__decorate([
    (0, common_1.Get)('queues/:queue/permissions'),
    (0, access_decorator_1.Access)('catalog.read', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Grants on a queue' }),
    (0, swagger_1.ApiOkResponse)({ schema: grantListSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String]),
    __metadata("design:returntype", Promise)
], PermissionsController.prototype, "queueGrants", null);
__decorate([
    (0, common_1.Put)('queues/:queue/permissions/:subject/:action'),
    (0, common_1.HttpCode)(204),
    (0, access_decorator_1.Access)('catalog.write', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Grant send_to_queue or receive on a queue (idempotent)' }),
    (0, swagger_1.ApiParam)(subjectParam),
    (0, swagger_1.ApiParam)({ name: 'action', enum: permissions_service_1.GRANT_ACTIONS.queue }),
    (0, swagger_1.ApiNoContentResponse)(),
    (0, swagger_1.ApiBadRequestResponse)(invalid),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Param)('subject')),
    __param(2, (0, common_1.Param)('action')),
    __param(3, (0, current_principal_decorator_1.CurrentPrincipal)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String, String, Object]),
    __metadata("design:returntype", Promise)
], PermissionsController.prototype, "grantOnQueue", null);
__decorate([
    (0, common_1.Delete)('queues/:queue/permissions/:subject/:action'),
    (0, common_1.HttpCode)(204),
    (0, access_decorator_1.Access)('catalog.write', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Revoke a grant on a queue (idempotent: a missing grant is fine)' }),
    (0, swagger_1.ApiParam)(subjectParam),
    (0, swagger_1.ApiParam)({ name: 'action', enum: permissions_service_1.GRANT_ACTIONS.queue }),
    (0, swagger_1.ApiNoContentResponse)(),
    (0, swagger_1.ApiBadRequestResponse)(invalid),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Param)('subject')),
    __param(2, (0, common_1.Param)('action')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String, String]),
    __metadata("design:returntype", Promise)
], PermissionsController.prototype, "revokeOnQueue", null);
__decorate([
    (0, common_1.Get)('topics/:topic/permissions'),
    (0, access_decorator_1.Access)('catalog.read', { topicParam: 'topic' }),
    (0, swagger_1.ApiOperation)({ summary: 'Grants on a topic' }),
    (0, swagger_1.ApiOkResponse)({ schema: grantListSchema }),
    (0, swagger_1.ApiNotFoundResponse)(topicNotFound),
    __param(0, (0, common_1.Param)('topic')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String]),
    __metadata("design:returntype", Promise)
], PermissionsController.prototype, "topicGrants", null);
__decorate([
    (0, common_1.Put)('topics/:topic/permissions/:subject/:action'),
    (0, common_1.HttpCode)(204),
    (0, access_decorator_1.Access)('catalog.write', { topicParam: 'topic' }),
    (0, swagger_1.ApiOperation)({ summary: 'Grant send_to_topic on a topic (idempotent)' }),
    (0, swagger_1.ApiParam)(subjectParam),
    (0, swagger_1.ApiParam)({ name: 'action', enum: permissions_service_1.GRANT_ACTIONS.topic }),
    (0, swagger_1.ApiNoContentResponse)(),
    (0, swagger_1.ApiBadRequestResponse)(invalid),
    (0, swagger_1.ApiNotFoundResponse)(topicNotFound),
    __param(0, (0, common_1.Param)('topic')),
    __param(1, (0, common_1.Param)('subject')),
    __param(2, (0, common_1.Param)('action')),
    __param(3, (0, current_principal_decorator_1.CurrentPrincipal)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String, String, Object]),
    __metadata("design:returntype", Promise)
], PermissionsController.prototype, "grantOnTopic", null);
__decorate([
    (0, common_1.Delete)('topics/:topic/permissions/:subject/:action'),
    (0, common_1.HttpCode)(204),
    (0, access_decorator_1.Access)('catalog.write', { topicParam: 'topic' }),
    (0, swagger_1.ApiOperation)({ summary: 'Revoke a grant on a topic (idempotent)' }),
    (0, swagger_1.ApiParam)(subjectParam),
    (0, swagger_1.ApiParam)({ name: 'action', enum: permissions_service_1.GRANT_ACTIONS.topic }),
    (0, swagger_1.ApiNoContentResponse)(),
    (0, swagger_1.ApiBadRequestResponse)(invalid),
    (0, swagger_1.ApiNotFoundResponse)(topicNotFound),
    __param(0, (0, common_1.Param)('topic')),
    __param(1, (0, common_1.Param)('subject')),
    __param(2, (0, common_1.Param)('action')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String, String]),
    __metadata("design:returntype", Promise)
], PermissionsController.prototype, "revokeOnTopic", null);
__decorate([
    (0, common_1.Get)('permissions'),
    (0, access_decorator_1.Access)('catalog.read'),
    (0, swagger_1.ApiOperation)({ summary: 'Every grant of a subject' }),
    (0, swagger_1.ApiQuery)({ ...subjectParam, required: true }),
    (0, swagger_1.ApiOkResponse)({ schema: grantListSchema }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'VALIDATION_FAILED (no subject) or INVALID_PERMISSION', schema: api_schemas_1.errorResponseSchema }),
    __param(0, (0, common_1.Query)('subject')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object]),
    __metadata("design:returntype", Promise)
], PermissionsController.prototype, "subjectGrants", null);
exports.PermissionsController = PermissionsController = __decorate([
    (0, swagger_1.ApiTags)('permissions'),
    (0, common_1.Controller)(),
    __metadata("design:paramtypes", [permissions_service_1.PermissionsService])
], PermissionsController);
//# sourceMappingURL=permissions.controller.js.map