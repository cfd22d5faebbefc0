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
exports.FilesystemGrantStore = void 0;
const node_fs_1 = require("node:fs");
const path = __importStar(require("node:path"));
const grant_store_1 = require("../ports/grant.store.js");
const json_state_file_1 = require("./json-state-file.js");
function same(g, type, name, subject, action) {
    return g.resource.type === type && g.resource.name === name && g.subject === subject && g.action === action;
}
class FilesystemGrantStore extends grant_store_1.GrantStore {
    file;
    constructor(file) {
        super();
        this.file = file;
    }
    static async open(dataDir) {
        await node_fs_1.promises.mkdir(dataDir, { recursive: true });
        return new FilesystemGrantStore(await json_state_file_1.JsonStateFile.open(path.join(dataDir, 'grants.json'), () => ({ revision: 0, grants: [] })));
    }
    async put(grant) {
        await this.file.update((doc) => {
            if (doc.grants.some((g) => same(g, grant.resource.type, grant.resource.name, grant.subject, grant.action)))
                return { changed: false, result: undefined };
            doc.grants.push(structuredClone(grant));
            return { changed: true, result: undefined };
        });
    }
    async delete(type, name, subject, action) {
        return this.file.update((doc) => {
            const index = doc.grants.findIndex((g) => same(g, type, name, subject, action));
            if (index === -1)
                return { changed: false, result: false };
            doc.grants.splice(index, 1);
            return { changed: true, result: true };
        });
    }
    async list(query) {
        return structuredClone(this.file.value.grants.filter((g) => (!query.resource || (g.resource.type === query.resource.type && g.resource.name === query.resource.name)) &&
            (query.subject === undefined || g.subject === query.subject)));
    }
    async has(type, name, subject, action) {
        return this.file.value.grants.some((g) => same(g, type, name, subject, action));
    }
    async deleteForResource(type, name) {
        await this.file.update((doc) => {
            const kept = doc.grants.filter((g) => !(g.resource.type === type && g.resource.name === name));
            if (kept.length === doc.grants.length)
                return { changed: false, result: undefined };
            doc.grants = kept;
            return { changed: true, result: undefined };
        });
    }
}
exports.FilesystemGrantStore = FilesystemGrantStore;
//# sourceMappingURL=filesystem-grant.store.js.map