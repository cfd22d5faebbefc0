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
exports.ConsumersController = void 0;
const common_1 = require("@nestjs/common");
const swagger_1 = require("@nestjs/swagger");
const api_schemas_1 = require("../common/api-schemas.js");
const json_validation_1 = require("../common/json-validation.js");
const access_decorator_1 = require("../security/access.decorator.js");
const current_principal_decorator_1 = require("../security/current-principal.decorator.js");
const message_view_1 = require("./message.view.js");
const consumers_service_1 = require("./consumers.service.js");
const consumers_schemas_1 = require("./consumers.schemas.js");
function leasedView(message) {
    return { ...(0, message_view_1.toMessageView)(message), receipt: message.receipt, leaseExpiresAt: new Date(message.leaseExpiresAt).toISOString() };
}
let ConsumersController = class ConsumersController {
    consumers;
    constructor(consumers) {
        this.consumers = consumers;
    }
    async receive(queue, body, response) {
        const input = (0, json_validation_1.validateInput)(consumers_schemas_1.receiveBodySchema, structuredClone(body ?? {}), 'VALIDATION_FAILED', 'receive request');
        const aborted = new AbortController();
        const onClose = () => {
            if (!response.writableEnded)
                aborted.abort();
        };
        response.once('close', onClose);
        try {
            const messages = await this.consumers.receive(queue, input, aborted.signal);
            return { messages: messages.map(leasedView) };
        }
        finally {
            response.off('close', onClose);
        }
    }
    async ack(queue, id, body, principal) {
        const input = (0, json_validation_1.validateInput)(consumers_schemas_1.ackBodySchema, structuredClone(body ?? null), 'VALIDATION_FAILED', 'ack');
        return (0, message_view_1.toMessageView)(await this.consumers.ack(queue, id, input, principal));
    }
    async lease(queue, id, body) {
        const input = (0, json_validation_1.validateInput)(consumers_schemas_1.leaseBodySchema, structuredClone(body ?? null), 'VALIDATION_FAILED', 'lease');
        return leasedView(await this.consumers.lease(queue, id, input.receipt, input.visibilityTimeoutSeconds));
    }
};
exports.ConsumersController = ConsumersController;
__decorate([
    (0, common_1.Post)('receive'),
    (0, common_1.HttpCode)(200),
    (0, access_decorator_1.Access)('message.consume', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Lease up to maxMessages pending messages in delivery order (long polling with waitSeconds)' }),
    (0, swagger_1.ApiBody)({ schema: consumers_schemas_1.receiveBodySchema, required: false }),
    (0, swagger_1.ApiOkResponse)({ schema: consumers_schemas_1.receiveResponseSchema }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'VALIDATION_FAILED', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiConflictResponse)({ description: 'QUEUE_HAS_HANDLER: the queue is processed by its handler', schema: api_schemas_1.errorResponseSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Body)()),
    __param(2, (0, common_1.Res)({ passthrough: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, Object, Object]),
    __metadata("design:returntype", Promise)
], ConsumersController.prototype, "receive", null);
__decorate([
    (0, common_1.Post)(':id/ack'),
    (0, common_1.HttpCode)(200),
    (0, access_decorator_1.Access)('message.consume', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Acknowledge a received message: complete, error, return_to_queue, return_to_end_of_queue or send_to_another_queue' }),
    (0, swagger_1.ApiBody)({ schema: consumers_schemas_1.ackBodySchema }),
    (0, swagger_1.ApiOkResponse)({ schema: message_view_1.messageViewSchema, description: 'the message after the outcome' }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'VALIDATION_FAILED', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiConflictResponse)({ description: 'RECEIPT_STALE: the lease expired or the message was settled; nothing changed', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiUnprocessableEntityResponse)({ description: 'MESSAGE_SCHEMA_INVALID: send_to_another_queue and the target queue refuses the message', schema: api_schemas_1.schemaErrorResponseSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Param)('id')),
    __param(2, (0, common_1.Body)()),
    __param(3, (0, current_principal_decorator_1.CurrentPrincipal)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String, Object, Object]),
    __metadata("design:returntype", Promise)
], ConsumersController.prototype, "ack", null);
__decorate([
    (0, common_1.Post)(':id/lease'),
    (0, common_1.HttpCode)(200),
    (0, access_decorator_1.Access)('message.consume', { queueParam: 'queue' }),
    (0, swagger_1.ApiOperation)({ summary: 'Extend (or shorten) a lease: it now ends visibilityTimeoutSeconds from now' }),
    (0, swagger_1.ApiBody)({ schema: consumers_schemas_1.leaseBodySchema }),
    (0, swagger_1.ApiOkResponse)({ schema: consumers_schemas_1.leasedMessageViewSchema }),
    (0, swagger_1.ApiBadRequestResponse)({ description: 'VALIDATION_FAILED', schema: api_schemas_1.errorResponseSchema }),
    (0, swagger_1.ApiConflictResponse)({ description: 'RECEIPT_STALE', schema: api_schemas_1.errorResponseSchema }),
    __param(0, (0, common_1.Param)('queue')),
    __param(1, (0, common_1.Param)('id')),
    __param(2, (0, common_1.Body)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String, Object]),
    __metadata("design:returntype", Promise)
], ConsumersController.prototype, "lease", null);
exports.ConsumersController = ConsumersController = __decorate([
    (0, swagger_1.ApiTags)('consumers'),
    (0, common_1.Controller)('queues/:queue/messages'),
    __metadata("design:paramtypes", [consumers_service_1.ConsumersService])
], ConsumersController);
//# sourceMappingURL=consumers.controller.js.map