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
exports.JsonStateFile = void 0;
const path = __importStar(require("node:path"));
const atomic_file_1 = require("./atomic-file.js");
class JsonStateFile {
    file;
    current;
    tail = Promise.resolve();
    constructor(file, current) {
        this.file = file;
        this.current = current;
    }
    static async open(file, initial) {
        const stored = await (0, atomic_file_1.readJsonFile)(file);
        return new JsonStateFile(path.resolve(file), stored ?? initial());
    }
    get value() {
        return this.current;
    }
    update(change) {
        const run = this.tail.then(async () => {
            const draft = structuredClone(this.current);
            const { changed, result } = change(draft);
            if (!changed)
                return result;
            draft.revision = this.current.revision + 1;
            await (0, atomic_file_1.writeFileAtomic)(this.file, JSON.stringify(draft));
            this.current = draft;
            return result;
        });
        this.tail = run.catch(() => undefined);
        return run;
    }
}
exports.JsonStateFile = JsonStateFile;
//# sourceMappingURL=json-state-file.js.map