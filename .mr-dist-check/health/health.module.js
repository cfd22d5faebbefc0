"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.HealthModule = void 0;
const common_1 = require("@nestjs/common");
const storage_module_1 = require("../storage/storage.module.js");
const messages_module_1 = require("../messages/messages.module.js");
const queues_module_1 = require("../queues/queues.module.js");
const metrics_controller_1 = require("./metrics.controller.js");
const metrics_service_1 = require("./metrics.service.js");
const health_controller_1 = require("./health.controller.js");
const lifecycle_service_1 = require("./lifecycle.service.js");
let HealthModule = class HealthModule {
};
exports.HealthModule = HealthModule;
exports.HealthModule = HealthModule = __decorate([
    (0, common_1.Global)(),
    (0, common_1.Module)({
        imports: [storage_module_1.StorageModule, queues_module_1.QueuesModule, messages_module_1.MessagesModule],
        controllers: [health_controller_1.HealthController, metrics_controller_1.MetricsController],
        providers: [lifecycle_service_1.LifecycleService, metrics_service_1.MetricsService],
        exports: [lifecycle_service_1.LifecycleService, metrics_service_1.MetricsService],
    })
], HealthModule);
//# sourceMappingURL=health.module.js.map