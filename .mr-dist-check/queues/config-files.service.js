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
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
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
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConfigFilesService = void 0;
const common_1 = require("@nestjs/common");
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const config_tokens_1 = require("../config/config.tokens.js");
const queue_definition_1 = require("./queue-definition.js");
const queue_schemas_1 = require("./queue.schemas.js");
const RESCAN_MS = 5_000;
const DEBOUNCE_MS = 100;
let ConfigFilesService = class ConfigFilesService {
    config;
    logger = new common_1.Logger('ConfigFiles');
    snapshot = { queues: new Map(), topics: new Map() };
    fingerprint = '';
    listeners = new Set();
    watchers = [];
    timer = null;
    rescan = null;
    constructor(config) {
        this.config = config;
    }
    onModuleInit() {
        this.reload();
        for (const dir of [this.queuesDir, this.topicsDir]) {
            if (!fs.existsSync(dir))
                continue;
            try {
                this.watchers.push(fs.watch(dir, () => this.scheduleReload()));
            }
            catch (error) {
                this.logger.warn(`cannot watch ${dir}: ${error.message}; relying on periodic rescans`);
            }
        }
        this.rescan = setInterval(() => this.reload(), RESCAN_MS);
        this.rescan.unref();
    }
    onModuleDestroy() {
        for (const watcher of this.watchers)
            watcher.close();
        if (this.timer)
            clearTimeout(this.timer);
        if (this.rescan)
            clearInterval(this.rescan);
    }
    current() {
        return this.snapshot;
    }
    onChange(listener) {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }
    reload() {
        const fingerprint = this.computeFingerprint();
        if (fingerprint === this.fingerprint)
            return;
        this.fingerprint = fingerprint;
        this.snapshot = { queues: this.readQueues(), topics: this.readTopics() };
        for (const listener of this.listeners)
            listener(this.snapshot);
    }
    get queuesDir() {
        return path.join(this.config.configDir, 'queues');
    }
    get topicsDir() {
        return path.join(this.config.configDir, 'topics');
    }
    scheduleReload() {
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = setTimeout(() => this.reload(), DEBOUNCE_MS);
        this.timer.unref();
    }
    filesIn(dir, suffix) {
        try {
            return fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).sort();
        }
        catch {
            return [];
        }
    }
    computeFingerprint() {
        const parts = [];
        for (const [dir, suffixes] of [[this.queuesDir, ['.queue.json', '.queue.js']], [this.topicsDir, ['.topic.json']]]) {
            for (const suffix of suffixes) {
                for (const file of this.filesIn(dir, suffix)) {
                    try {
                        const stat = fs.statSync(path.join(dir, file));
                        parts.push(`${file}:${stat.mtimeMs}:${stat.size}`);
                    }
                    catch {
                        parts.push(`${file}:gone`);
                    }
                }
            }
        }
        return parts.join('|');
    }
    readQueues() {
        const queues = new Map();
        for (const file of this.filesIn(this.queuesDir, '.queue.json')) {
            const full = path.join(this.queuesDir, file);
            const name = file.slice(0, -'.queue.json'.length);
            try {
                const raw = JSON.parse(fs.readFileSync(full, 'utf8'));
                if (raw.name !== undefined && raw.name !== name) {
                    throw new Error(`"name" is ${JSON.stringify(raw.name)} but the file is named ${file}`);
                }
                const stat = fs.statSync(full);
                const definition = (0, queue_definition_1.normalizeQueueDefinition)({ ...raw, name }, Math.floor(stat.mtimeMs), Math.floor(stat.ctimeMs));
                const handlerPath = path.join(this.queuesDir, `${name}.queue.js`);
                const handlerStat = fs.existsSync(handlerPath) ? fs.statSync(handlerPath) : null;
                queues.set(name, {
                    definition: { ...definition, updatedAt: Math.max(definition.updatedAt, handlerStat ? Math.floor(handlerStat.mtimeMs) : 0) },
                    handlerPath: handlerStat ? handlerPath : null,
                    handlerVersion: handlerStat ? handlerStat.mtimeMs : 0,
                });
            }
            catch (error) {
                this.logger.error(`skipping ${full}: ${error.message}`);
            }
        }
        return queues;
    }
    readTopics() {
        const topics = new Map();
        const namePattern = new RegExp(queue_schemas_1.NAME_PATTERN);
        for (const file of this.filesIn(this.topicsDir, '.topic.json')) {
            const full = path.join(this.topicsDir, file);
            const name = file.slice(0, -'.topic.json'.length);
            try {
                const raw = JSON.parse(fs.readFileSync(full, 'utf8'));
                if (!namePattern.test(name))
                    throw new Error('invalid topic name');
                if (raw.name !== undefined && raw.name !== name)
                    throw new Error(`"name" does not match the file name`);
                const queues = raw.queues ?? [];
                if (!Array.isArray(queues) || !queues.every((q) => typeof q === 'string' && namePattern.test(q))) {
                    throw new Error('"queues" must be an array of queue names');
                }
                topics.set(name, { name, queues: [...new Set(queues)] });
            }
            catch (error) {
                this.logger.error(`skipping ${full}: ${error.message}`);
            }
        }
        return topics;
    }
};
exports.ConfigFilesService = ConfigFilesService;
exports.ConfigFilesService = ConfigFilesService = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, config_tokens_1.InjectConfig)()),
    __metadata("design:paramtypes", [Object])
], ConfigFilesService);
//# sourceMappingURL=config-files.service.js.map