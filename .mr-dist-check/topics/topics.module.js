"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.TopicsModule = void 0;
const common_1 = require("@nestjs/common");
const storage_module_1 = require("../storage/storage.module.js");
const queues_module_1 = require("../queues/queues.module.js");
const messages_module_1 = require("../messages/messages.module.js");
const topic_publisher_1 = require("../messages/topic-publisher.js");
const topics_controller_1 = require("./topics.controller.js");
const topics_service_1 = require("./topics.service.js");
const fan_out_service_1 = require("./fan-out.service.js");
let TopicsModule = class TopicsModule {
};
exports.TopicsModule = TopicsModule;
exports.TopicsModule = TopicsModule = __decorate([
    (0, common_1.Module)({
        imports: [storage_module_1.StorageModule, queues_module_1.QueuesModule, messages_module_1.MessagesModule],
        controllers: [topics_controller_1.TopicsController],
        providers: [topics_service_1.TopicsService, fan_out_service_1.FanOutService, { provide: topic_publisher_1.TopicPublisher, useExisting: fan_out_service_1.FanOutService }],
        exports: [topics_service_1.TopicsService, topic_publisher_1.TopicPublisher],
    })
], TopicsModule);
//# sourceMappingURL=topics.module.js.map