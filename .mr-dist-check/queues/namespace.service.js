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
Object.defineProperty(exports, "__esModule", { value: true });
exports.NamespaceService = void 0;
const common_1 = require("@nestjs/common");
const domain_error_1 = require("../common/domain-error.js");
const catalog_store_1 = require("../storage/ports/catalog.store.js");
const config_files_service_1 = require("./config-files.service.js");
const queue_registry_service_1 = require("./queue-registry.service.js");
let NamespaceService = class NamespaceService {
    queues;
    catalog;
    files;
    constructor(queues, catalog, files) {
        this.queues = queues;
        this.catalog = catalog;
        this.files = files;
    }
    async topicExists(name) {
        return this.files.current().topics.has(name) || (await this.catalog.getTopic(name)) !== null;
    }
    async assertFree(name) {
        if (this.queues.get(name) || (await this.catalog.getQueue(name))) {
            throw new domain_error_1.DomainError('NAME_TAKEN', `${name} is already used by a queue`);
        }
        if (await this.topicExists(name))
            throw new domain_error_1.DomainError('NAME_TAKEN', `${name} is already used by a topic`);
    }
};
exports.NamespaceService = NamespaceService;
exports.NamespaceService = NamespaceService = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [queue_registry_service_1.QueueRegistry,
        catalog_store_1.CatalogStore,
        config_files_service_1.ConfigFilesService])
], NamespaceService);
//# sourceMappingURL=namespace.service.js.map