"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.FilesystemCatalogStore = void 0;
const node_fs_1 = require("node:fs");
const path = __importStar(require("node:path"));
const node_crypto_1 = require("node:crypto");
const catalog_store_1 = require("../ports/catalog.store.js");
const json_state_file_1 = require("./json-state-file.js");
class FilesystemCatalogStore extends catalog_store_1.CatalogStore {
    file;
    constructor(file) {
        super();
        this.file = file;
    }
    static async open(dataDir) {
        await node_fs_1.promises.mkdir(dataDir, { recursive: true });
        const file = await json_state_file_1.JsonStateFile.open(path.join(dataDir, 'catalog.json'), () => ({
            revision: 0,
            epoch: (0, node_crypto_1.randomUUID)(),
            queues: {},
            topics: {},
            bindings: [],
        }));
        return new FilesystemCatalogStore(file);
    }
    get doc() {
        return this.file.value;
    }
    async listQueues() {
        return structuredClone(Object.values(this.doc.queues).sort((a, b) => a.name.localeCompare(b.name)));
    }
    async getQueue(name) {
        const queue = Object.hasOwn(this.doc.queues, name) ? this.doc.queues[name] : null;
        return queue ? structuredClone(queue) : null;
    }
    async putQueue(definition) {
        await this.file.update((doc) => {
            doc.queues[definition.name] = structuredClone(definition);
            return { changed: true, result: undefined };
        });
    }
    async deleteQueue(name) {
        return this.file.update((doc) => {
            if (!Object.hasOwn(doc.queues, name))
                return { changed: false, result: false };
            delete doc.queues[name];
            return { changed: true, result: true };
        });
    }
    async listTopics() {
        return structuredClone(Object.values(this.doc.topics).sort((a, b) => a.name.localeCompare(b.name)));
    }
    async getTopic(name) {
        const topic = Object.hasOwn(this.doc.topics, name) ? this.doc.topics[name] : null;
        return topic ? structuredClone(topic) : null;
    }
    async putTopic(topic) {
        await this.file.update((doc) => {
            doc.topics[topic.name] = structuredClone(topic);
            return { changed: true, result: undefined };
        });
    }
    async deleteTopic(name) {
        return this.file.update((doc) => {
            if (!Object.hasOwn(doc.topics, name))
                return { changed: false, result: false };
            delete doc.topics[name];
            return { changed: true, result: true };
        });
    }
    async listBindings() {
        return this.doc.bindings.map((b) => ({ ...b }));
    }
    async bind(binding) {
        await this.file.update((doc) => {
            if (doc.bindings.some((b) => b.topic === binding.topic && b.queue === binding.queue))
                return { changed: false, result: undefined };
            doc.bindings.push({ topic: binding.topic, queue: binding.queue });
            return { changed: true, result: undefined };
        });
    }
    async unbind(binding) {
        return this.file.update((doc) => {
            const index = doc.bindings.findIndex((b) => b.topic === binding.topic && b.queue === binding.queue);
            if (index === -1)
                return { changed: false, result: false };
            doc.bindings.splice(index, 1);
            return { changed: true, result: true };
        });
    }
    async version() {
        return `${this.doc.epoch}:${this.doc.revision}`;
    }
    async ping() {
        await node_fs_1.promises.access(path.dirname(this.file.file));
    }
    async close() {
        await this.file.update(() => ({ changed: false, result: undefined }));
    }
}
exports.FilesystemCatalogStore = FilesystemCatalogStore;
//# sourceMappingURL=filesystem-catalog.store.js.map