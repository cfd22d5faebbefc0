"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.QueuesModule = void 0;
const common_1 = require("@nestjs/common");
const storage_module_1 = require("../storage/storage.module.js");
const config_files_service_1 = require("./config-files.service.js");
const namespace_service_1 = require("./namespace.service.js");
const queue_registry_service_1 = require("./queue-registry.service.js");
const queues_controller_1 = require("./queues.controller.js");
const queues_service_1 = require("./queues.service.js");
const schema_service_1 = require("./schema.service.js");
let QueuesModule = class QueuesModule {
};
exports.QueuesModule = QueuesModule;
exports.QueuesModule = QueuesModule = __decorate([
    (0, common_1.Module)({
        imports: [storage_module_1.StorageModule],
        controllers: [queues_controller_1.QueuesController],
        providers: [config_files_service_1.ConfigFilesService, queue_registry_service_1.QueueRegistry, schema_service_1.SchemaService, namespace_service_1.NamespaceService, queues_service_1.QueuesService],
        exports: [config_files_service_1.ConfigFilesService, queue_registry_service_1.QueueRegistry, schema_service_1.SchemaService, namespace_service_1.NamespaceService, queues_service_1.QueuesService],
    })
], QueuesModule);
//# sourceMappingURL=queues.module.js.map