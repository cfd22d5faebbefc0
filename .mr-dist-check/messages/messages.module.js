"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagesModule = void 0;
const common_1 = require("@nestjs/common");
const storage_module_1 = require("../storage/storage.module.js");
const queues_module_1 = require("../queues/queues.module.js");
const security_module_1 = require("../security/security.module.js");
const messages_controller_1 = require("./messages.controller.js");
const messages_service_1 = require("./messages.service.js");
const delivery_service_1 = require("./delivery.service.js");
const message_events_1 = require("./message-events.js");
const consumers_controller_1 = require("./consumers.controller.js");
const consumers_service_1 = require("./consumers.service.js");
const maintenance_service_1 = require("./maintenance.service.js");
const dispatcher_service_1 = require("./dispatcher.service.js");
const handler_pool_1 = require("./handlers/handler-pool.js");
const handler_services_1 = require("./handlers/handler-services.js");
const auth_client_tokens_1 = require("./handlers/auth-client-tokens.js");
let MessagesModule = class MessagesModule {
};
exports.MessagesModule = MessagesModule;
exports.MessagesModule = MessagesModule = __decorate([
    (0, common_1.Module)({
        imports: [storage_module_1.StorageModule, queues_module_1.QueuesModule, security_module_1.SecurityModule],
        controllers: [messages_controller_1.MessagesController, consumers_controller_1.ConsumersController],
        providers: [messages_service_1.MessagesService, delivery_service_1.DeliveryService, message_events_1.MessageEvents, consumers_service_1.ConsumersService, maintenance_service_1.MaintenanceService, dispatcher_service_1.HandlerDispatcher, handler_pool_1.HandlerPool, handler_services_1.HandlerServices, auth_client_tokens_1.AuthClientTokens],
        exports: [messages_service_1.MessagesService, delivery_service_1.DeliveryService, message_events_1.MessageEvents, maintenance_service_1.MaintenanceService],
    })
], MessagesModule);
//# sourceMappingURL=messages.module.js.map