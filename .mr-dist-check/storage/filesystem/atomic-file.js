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
exports.writeFileAtomic = writeFileAtomic;
exports.readJsonFile = readJsonFile;
const node_fs_1 = require("node:fs");
const path = __importStar(require("node:path"));
const journal_1 = require("./journal.js");
async function writeFileAtomic(file, data) {
    const dir = path.dirname(file);
    await node_fs_1.promises.mkdir(dir, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    const handle = await node_fs_1.promises.open(tmp, 'w', 0o600);
    try {
        await handle.writeFile(data, 'utf8');
        await handle.sync();
    }
    finally {
        await handle.close();
    }
    await node_fs_1.promises.rename(tmp, file);
    await (0, journal_1.fsyncDirectory)(dir);
}
async function readJsonFile(file) {
    try {
        return JSON.parse(await node_fs_1.promises.readFile(file, 'utf8'));
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return null;
        throw new Error(`${file} is not valid JSON: ${error.message}`);
    }
}
//# sourceMappingURL=atomic-file.js.map