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
exports.QueueRegistry = void 0;
const common_1 = require("@nestjs/common");
const domain_error_1 = require("../common/domain-error.js");
const catalog_store_1 = require("../storage/ports/catalog.store.js");
const config_files_service_1 = require("./config-files.service.js");
const CATALOG_POLL_MS = 2_000;
let QueueRegistry = class QueueRegistry {
    catalog;
    files;
    logger = new common_1.Logger('QueueRegistry');
    entries = new Map();
    apiQueues = new Map();
    catalogVersion = null;
    listeners = new Set();
    poll = null;
    unsubscribe = null;
    constructor(catalog, files) {
        this.catalog = catalog;
        this.files = files;
    }
    async onModuleInit() {
        await this.refreshCatalog();
        this.rebuild(this.files.current());
        this.unsubscribe = this.files.onChange((snapshot) => this.rebuild(snapshot));
        this.poll = setInterval(() => {
            this.refreshCatalog().catch((error) => this.logger.warn(`catalog refresh failed: ${error.message}`));
        }, CATALOG_POLL_MS);
        this.poll.unref();
    }
    onModuleDestroy() {
        if (this.poll)
            clearInterval(this.poll);
        this.unsubscribe?.();
    }
    get(name) {
        return this.entries.get(name);
    }
    require(name) {
        const entry = this.entries.get(name);
        if (!entry)
            throw new domain_error_1.DomainError('QUEUE_NOT_FOUND', `Queue ${name} does not exist`);
        return entry;
    }
    list() {
        return [...this.entries.values()].sort((a, b) => a.definition.name.localeCompare(b.definition.name));
    }
    onChange(listener) {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }
    async refreshCatalog(force = false) {
        const version = await this.catalog.version();
        if (!force && version === this.catalogVersion)
            return;
        const queues = await this.catalog.listQueues();
        this.catalogVersion = version;
        this.apiQueues = new Map(queues.map((q) => [q.name, q]));
        this.rebuild(this.files.current());
    }
    rebuild(snapshot) {
        const next = new Map();
        for (const definition of this.apiQueues.values()) {
            next.set(definition.name, { definition, source: 'api', handlerPath: null, handlerVersion: 0 });
        }
        for (const [name, file] of snapshot.queues) {
            if (this.apiQueues.has(name))
                this.logger.warn(`queue ${name} is defined by a file and in the catalog; the file wins`);
            next.set(name, { definition: file.definition, source: 'file', handlerPath: file.handlerPath, handlerVersion: file.handlerVersion });
        }
        const previous = this.entries;
        this.entries = next;
        for (const [name, entry] of next) {
            const before = previous.get(name);
            if (!before || before.definition.updatedAt !== entry.definition.updatedAt || before.handlerVersion !== entry.handlerVersion || before.source !== entry.source) {
                this.emit({ kind: 'upsert', entry });
            }
        }
        for (const name of previous.keys())
            if (!next.has(name))
                this.emit({ kind: 'delete', name });
    }
    emit(change) {
        for (const listener of this.listeners) {
            try {
                listener(change);
            }
            catch (error) {
                this.logger.error(`queue change listener failed: ${error.message}`);
            }
        }
    }
};
exports.QueueRegistry = QueueRegistry;
exports.QueueRegistry = QueueRegistry = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [catalog_store_1.CatalogStore,
        config_files_service_1.ConfigFilesService])
], QueueRegistry);
//# sourceMappingURL=queue-registry.service.js.map