"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SqlCatalogStore = void 0;
const catalog_store_1 = require("../ports/catalog.store.js");
const catalog_entities_1 = require("./catalog.entities.js");
class SqlCatalogStore extends catalog_store_1.CatalogStore {
    db;
    constructor(db) {
        super();
        this.db = db;
    }
    write(work) {
        return this.db.use((ds) => ds.transaction(async (manager) => {
            const { changed, value } = await work(manager);
            if (changed)
                await manager.increment(catalog_entities_1.CatalogVersionRow, { id: 1 }, 'version', 1);
            return value;
        }));
    }
    listQueues() {
        return this.db.use(async (ds) => (await ds.getRepository(catalog_entities_1.QueueRow).find({ order: { name: 'ASC' } })).map((row) => JSON.parse(row.definition)));
    }
    getQueue(name) {
        return this.db.use(async (ds) => {
            const row = await ds.getRepository(catalog_entities_1.QueueRow).findOneBy({ name });
            return row ? JSON.parse(row.definition) : null;
        });
    }
    putQueue(definition) {
        return this.write(async (manager) => {
            await manager.delete(catalog_entities_1.QueueRow, { name: definition.name });
            await manager.insert(catalog_entities_1.QueueRow, { name: definition.name, definition: JSON.stringify(definition), updatedAt: definition.updatedAt });
            return { changed: true, value: undefined };
        });
    }
    deleteQueue(name) {
        return this.write(async (manager) => {
            const { affected } = await manager.delete(catalog_entities_1.QueueRow, { name });
            return { changed: (affected ?? 0) > 0, value: (affected ?? 0) > 0 };
        });
    }
    listTopics() {
        return this.db.use(async (ds) => (await ds.getRepository(catalog_entities_1.TopicRow).find({ order: { name: 'ASC' } })).map((row) => ({ name: row.name, createdAt: row.createdAt })));
    }
    getTopic(name) {
        return this.db.use(async (ds) => {
            const row = await ds.getRepository(catalog_entities_1.TopicRow).findOneBy({ name });
            return row ? { name: row.name, createdAt: row.createdAt } : null;
        });
    }
    putTopic(topic) {
        return this.write(async (manager) => {
            await manager.delete(catalog_entities_1.TopicRow, { name: topic.name });
            await manager.insert(catalog_entities_1.TopicRow, { name: topic.name, createdAt: topic.createdAt });
            return { changed: true, value: undefined };
        });
    }
    deleteTopic(name) {
        return this.write(async (manager) => {
            const { affected } = await manager.delete(catalog_entities_1.TopicRow, { name });
            return { changed: (affected ?? 0) > 0, value: (affected ?? 0) > 0 };
        });
    }
    listBindings() {
        return this.db.use(async (ds) => (await ds.getRepository(catalog_entities_1.BindingRow).find({ order: { topic: 'ASC', queue: 'ASC' } })).map((row) => ({ topic: row.topic, queue: row.queue })));
    }
    bind(binding) {
        return this.write(async (manager) => {
            const exists = await manager.existsBy(catalog_entities_1.BindingRow, { topic: binding.topic, queue: binding.queue });
            if (!exists)
                await manager.insert(catalog_entities_1.BindingRow, { topic: binding.topic, queue: binding.queue });
            return { changed: !exists, value: undefined };
        });
    }
    unbind(binding) {
        return this.write(async (manager) => {
            const { affected } = await manager.delete(catalog_entities_1.BindingRow, { topic: binding.topic, queue: binding.queue });
            return { changed: (affected ?? 0) > 0, value: (affected ?? 0) > 0 };
        });
    }
    async version() {
        const { records } = await this.db.query({ sql: 'SELECT version FROM mailroom_catalog_version WHERE id = 1', params: [] });
        return String(records[0]?.version ?? '0');
    }
    ping() {
        return this.db.ping();
    }
    async close() { }
}
exports.SqlCatalogStore = SqlCatalogStore;
//# sourceMappingURL=sql-catalog.store.js.map