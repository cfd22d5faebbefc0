"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var AppModule_1;
Object.defineProperty(exports, "__esModule", { value: true });
exports.AppModule = void 0;
const common_1 = require("@nestjs/common");
const schedule_1 = require("@nestjs/schedule");
const config_module_1 = require("./config/config.module.js");
const health_module_1 = require("./health/health.module.js");
const http_edge_module_1 = require("./http/http-edge.module.js");
const messages_module_1 = require("./messages/messages.module.js");
const queues_module_1 = require("./queues/queues.module.js");
const security_module_1 = require("./security/security.module.js");
const storage_module_1 = require("./storage/storage.module.js");
const topics_module_1 = require("./topics/topics.module.js");
let AppModule = AppModule_1 = class AppModule {
    static forRoot(config, clock, requestLogger) {
        return {
            module: AppModule_1,
            imports: [
                config_module_1.ConfigModule.forRoot(config, clock),
                schedule_1.ScheduleModule.forRoot(),
                storage_module_1.StorageModule,
                queues_module_1.QueuesModule,
                security_module_1.SecurityModule,
                messages_module_1.MessagesModule,
                topics_module_1.TopicsModule,
                health_module_1.HealthModule,
                http_edge_module_1.HttpEdgeModule.forRoot(requestLogger),
            ],
        };
    }
};
exports.AppModule = AppModule;
exports.AppModule = AppModule = AppModule_1 = __decorate([
    (0, common_1.Module)({})
], AppModule);
//# sourceMappingURL=app.module.js.map