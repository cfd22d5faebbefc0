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
exports.TopicsService = void 0;
const common_1 = require("@nestjs/common");
const clock_1 = require("../common/clock.js");
const cursor_1 = require("../common/cursor.js");
const domain_error_1 = require("../common/domain-error.js");
const json_validation_1 = require("../common/json-validation.js");
const catalog_store_1 = require("../storage/ports/catalog.store.js");
const grant_store_1 = require("../storage/ports/grant.store.js");
const config_files_service_1 = require("../queues/config-files.service.js");
const namespace_service_1 = require("../queues/namespace.service.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
const topic_schemas_1 = require("./topic.schemas.js");
let TopicsService = class TopicsService {
    catalog;
    grants;
    files;
    namespace;
    queues;
    clock;
    constructor(catalog, grants, files, namespace, queues, clock) {
        this.catalog = catalog;
        this.grants = grants;
        this.files = files;
        this.namespace = namespace;
        this.queues = queues;
        this.clock = clock;
    }
    async list(limit, cursor) {
        const after = cursor === null ? null : (0, cursor_1.decodeCursor)(cursor);
        const records = new Map();
        for (const topic of await this.catalog.listTopics())
            records.set(topic.name, { name: topic.name, source: 'api', createdAt: topic.createdAt });
        for (const name of this.files.current().topics.keys())
            records.set(name, { name, source: 'file', createdAt: null });
        const sorted = [...records.values()].filter((r) => after === null || r.name > after).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const page = sorted.slice(0, limit);
        const bindings = await this.catalog.listBindings();
        const items = page.map((record) => this.view(record, record.source === 'file' ? this.fileQueues(record.name) : bindings.filter((b) => b.topic === record.name).map((b) => b.queue)));
        return { items, nextCursor: sorted.length > limit ? (0, cursor_1.encodeCursor)(page[page.length - 1].name) : null };
    }
    async get(name) {
        const record = await this.require(name);
        return this.view(record, await this.boundQueues(record));
    }
    async create(body) {
        const input = (0, json_validation_1.validateInput)(topic_schemas_1.topicInputSchema, structuredClone(body ?? null), 'INVALID_TOPIC_DEFINITION', 'topic definition');
        await this.namespace.assertFree(input.name);
        for (const queue of input.queues)
            this.queues.require(queue);
        await this.removeBindings(input.name);
        await this.grants.deleteForResource('topic', input.name);
        await this.catalog.putTopic({ name: input.name, createdAt: this.clock.now() });
        for (const queue of input.queues)
            await this.catalog.bind({ topic: input.name, queue });
        return this.get(input.name);
    }
    async delete(name) {
        await this.requireApiManaged(name);
        await this.catalog.deleteTopic(name);
        await this.removeBindings(name);
        await this.grants.deleteForResource('topic', name);
    }
    async bind(topic, queue) {
        await this.requireApiManaged(topic);
        this.queues.require(queue);
        if ((await this.catalog.listBindings()).some((b) => b.topic === topic && b.queue === queue))
            return;
        await this.catalog.bind({ topic, queue });
    }
    async unbind(topic, queue) {
        await this.requireApiManaged(topic);
        this.queues.require(queue);
        await this.catalog.unbind({ topic, queue });
    }
    async queuesOf(topic) {
        return this.boundQueues(await this.require(topic));
    }
    async require(name) {
        if (this.files.current().topics.has(name))
            return { name, source: 'file', createdAt: null };
        const topic = await this.catalog.getTopic(name);
        if (!topic)
            throw new domain_error_1.DomainError('TOPIC_NOT_FOUND', `Topic ${name} does not exist`);
        return { name, source: 'api', createdAt: topic.createdAt };
    }
    async requireApiManaged(name) {
        const record = await this.require(name);
        if (record.source === 'file') {
            throw new domain_error_1.DomainError('MANAGED_BY_CONFIG', `Topic ${name} is defined in a config file and cannot be changed through the API`);
        }
        return record;
    }
    async boundQueues(record) {
        if (record.source === 'file')
            return this.fileQueues(record.name);
        return (await this.catalog.listBindings()).filter((b) => b.topic === record.name).map((b) => b.queue).sort();
    }
    fileQueues(name) {
        return [...(this.files.current().topics.get(name)?.queues ?? [])].sort();
    }
    async removeBindings(topic) {
        for (const binding of await this.catalog.listBindings()) {
            if (binding.topic === topic)
                await this.catalog.unbind(binding);
        }
    }
    view(record, queues) {
        return { name: record.name, source: record.source, queues: [...queues].sort(), createdAt: record.createdAt === null ? null : new Date(record.createdAt).toISOString() };
    }
};
exports.TopicsService = TopicsService;
exports.TopicsService = TopicsService = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [catalog_store_1.CatalogStore,
        grant_store_1.GrantStore,
        config_files_service_1.ConfigFilesService,
        namespace_service_1.NamespaceService,
        queue_registry_service_1.QueueRegistry,
        clock_1.Clock])
], TopicsService);
//# sourceMappingURL=topics.service.js.map