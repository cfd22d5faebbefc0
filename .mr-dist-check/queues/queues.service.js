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
exports.QueuesService = void 0;
const common_1 = require("@nestjs/common");
const clock_1 = require("../common/clock.js");
const domain_error_1 = require("../common/domain-error.js");
const cursor_1 = require("../common/cursor.js");
const catalog_store_1 = require("../storage/ports/catalog.store.js");
const grant_store_1 = require("../storage/ports/grant.store.js");
const storage_service_1 = require("../storage/storage.service.js");
const connection_string_1 = require("../storage/sql/connection-string.js");
const queue_definition_1 = require("./queue-definition.js");
const namespace_service_1 = require("./namespace.service.js");
const queue_registry_service_1 = require("./queue-registry.service.js");
const schema_service_1 = require("./schema.service.js");
let QueuesService = class QueuesService {
    registry;
    catalog;
    grants;
    storage;
    schemas;
    namespace;
    clock;
    constructor(registry, catalog, grants, storage, schemas, namespace, clock) {
        this.registry = registry;
        this.catalog = catalog;
        this.grants = grants;
        this.storage = storage;
        this.schemas = schemas;
        this.namespace = namespace;
        this.clock = clock;
    }
    list(limit, cursor) {
        const after = cursor === null ? null : (0, cursor_1.decodeCursor)(cursor);
        const entries = this.registry.list().filter((e) => after === null || e.definition.name > after);
        const items = entries.slice(0, limit);
        const nextCursor = entries.length > limit ? (0, cursor_1.encodeCursor)(items[items.length - 1].definition.name) : null;
        return { items: items.map((e) => this.view(e)), nextCursor };
    }
    get(name) {
        return this.view(this.registry.require(name));
    }
    async create(body) {
        const definition = (0, queue_definition_1.normalizeQueueDefinition)(body, this.clock.now());
        await this.namespace.assertFree(definition.name);
        await this.prepare(definition);
        await this.storage.forQueue(definition).purgeQueue(definition.name);
        await this.catalog.putQueue(definition);
        await this.registry.refreshCatalog(true);
        return this.get(definition.name);
    }
    async replace(name, body) {
        const existing = this.assertApiManaged(name);
        if (body && typeof body === 'object' && 'name' in body && body.name !== name) {
            throw new domain_error_1.DomainError('INVALID_QUEUE_DEFINITION', 'the name in the body must match the queue in the path');
        }
        const definition = (0, queue_definition_1.normalizeQueueDefinition)({ ...body, name }, Math.max(this.clock.now(), existing.definition.updatedAt + 1), existing.definition.createdAt);
        if (definition.storageEngine !== existing.definition.storageEngine || (definition.connectionString ?? null) !== existing.definition.connectionString) {
            const stats = await this.storage.forQueue(existing.definition).stats(name);
            if (Object.values(stats.counts).some((n) => n > 0)) {
                throw new domain_error_1.DomainError('INVALID_QUEUE_DEFINITION', 'the storage of a queue that still holds messages cannot be changed; delete its messages first');
            }
        }
        await this.prepare(definition);
        await this.catalog.putQueue(definition);
        await this.registry.refreshCatalog(true);
        return this.get(name);
    }
    async delete(name) {
        const existing = this.assertApiManaged(name);
        await this.catalog.deleteQueue(name);
        for (const binding of await this.catalog.listBindings()) {
            if (binding.queue === name)
                await this.catalog.unbind(binding);
        }
        await this.grants.deleteForResource('queue', name);
        await this.registry.refreshCatalog(true);
        await this.storage.forQueue(existing.definition).purgeQueue(name);
    }
    async stats(name) {
        const { definition } = this.registry.require(name);
        const snapshot = await this.storage.forQueue(definition).stats(name);
        const oldest = snapshot.oldestPendingCreatedAt;
        return {
            queue: name,
            counts: snapshot.counts,
            oldestPendingAgeSeconds: oldest === null ? null : Math.max(0, (this.clock.now() - oldest) / 1000),
        };
    }
    view(entry) {
        const { createdAt, updatedAt, ...definition } = entry.definition;
        return {
            ...definition,
            connectionString: definition.connectionString === null ? null : (0, connection_string_1.maskConnectionString)(definition.connectionString),
            source: entry.source,
            hasHandler: entry.handlerPath !== null,
            createdAt: new Date(createdAt).toISOString(),
            updatedAt: new Date(updatedAt).toISOString(),
        };
    }
    assertApiManaged(name) {
        const entry = this.registry.require(name);
        if (entry.source === 'file') {
            throw new domain_error_1.DomainError('MANAGED_BY_CONFIG', `Queue ${name} is defined in a config file and cannot be changed through the API`);
        }
        return entry;
    }
    async prepare(definition) {
        this.schemas.check(definition);
        await this.storage.verify(definition);
    }
};
exports.QueuesService = QueuesService;
exports.QueuesService = QueuesService = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [queue_registry_service_1.QueueRegistry,
        catalog_store_1.CatalogStore,
        grant_store_1.GrantStore,
        storage_service_1.StorageService,
        schema_service_1.SchemaService,
        namespace_service_1.NamespaceService,
        clock_1.Clock])
], QueuesService);
//# sourceMappingURL=queues.service.js.map