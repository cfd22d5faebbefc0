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
exports.HandlerPool = exports.HARD_KILL_GRACE_MS = exports.WORKER_ENTRY = void 0;
const common_1 = require("@nestjs/common");
const path = __importStar(require("node:path"));
const piscina_1 = require("piscina");
const config_tokens_1 = require("../../config/config.tokens.js");
const handler_services_1 = require("./handler-services.js");
exports.WORKER_ENTRY = path.join(__dirname, 'handler-worker.js');
exports.HARD_KILL_GRACE_MS = 300;
const WORKER_MAX_OLD_GENERATION_MB = 512;
class ThreadSlots {
    buffer;
    view;
    free;
    constructor(size) {
        this.buffer = new SharedArrayBuffer(size * Int32Array.BYTES_PER_ELEMENT);
        this.view = new Int32Array(this.buffer);
        this.free = Array.from({ length: size }, (_, i) => size - 1 - i);
    }
    take() {
        const slot = this.free.pop() ?? -1;
        if (slot >= 0)
            Atomics.store(this.view, slot, 0);
        return slot;
    }
    threadOf(slot) {
        return slot < 0 ? null : Atomics.load(this.view, slot) || null;
    }
    release(slot) {
        if (slot >= 0)
            this.free.push(slot);
    }
}
let HandlerPool = class HandlerPool {
    config;
    services;
    logger = new common_1.Logger('HandlerPool');
    pool = null;
    slots;
    terminated = new Set();
    constructor(config, services) {
        this.config = config;
        this.services = services;
        this.slots = new ThreadSlots(Math.max(64, config.globalConcurrency * 2));
    }
    get tasksPerWorker() {
        return Math.max(1, Math.ceil(this.config.globalConcurrency / this.config.handlerWorkers));
    }
    async run(task, shutdown) {
        if (shutdown.aborted)
            return { kind: 'interrupted', reason: 'shutting down' };
        const slot = this.slots.take();
        let timedOut = false;
        let timer;
        const watchdog = () => {
            const threadId = this.slots.threadOf(slot);
            if (threadId === null) {
                timer = setTimeout(watchdog, task.timeoutMs + exports.HARD_KILL_GRACE_MS);
                return;
            }
            timedOut = true;
            this.terminate(threadId, task);
        };
        timer = setTimeout(watchdog, task.timeoutMs + exports.HARD_KILL_GRACE_MS);
        let onShutdown;
        const stopped = new Promise((resolve) => {
            onShutdown = () => resolve({ kind: 'interrupted', reason: 'shutting down' });
            shutdown.addEventListener('abort', onShutdown, { once: true });
        });
        const executed = this.execute(task, slot, () => timedOut).finally(() => {
            clearTimeout(timer);
            this.slots.release(slot);
        });
        try {
            return await Promise.race([executed, stopped]);
        }
        finally {
            shutdown.removeEventListener('abort', onShutdown);
        }
    }
    warm() {
        this.piscina();
    }
    async destroy() {
        const pool = this.pool;
        this.pool = null;
        if (pool)
            await pool.destroy();
    }
    async execute(task, slot, timedOut) {
        try {
            const reply = (await this.piscina().run({ ...task, slot }));
            if (reply.ok)
                return { kind: 'complete', result: reply.json === null ? null : JSON.parse(reply.json) };
            return { kind: reply.error.name === 'HandlerTimeout' ? 'timeout' : 'error', error: reply.error };
        }
        catch (error) {
            if (timedOut()) {
                return { kind: 'timeout', error: { name: 'HandlerTimeout', message: `the handler did not finish within ${task.timeoutMs / 1000} seconds; its worker was terminated` } };
            }
            const threadId = this.slots.threadOf(slot);
            if (threadId !== null && this.terminated.has(threadId)) {
                return { kind: 'interrupted', reason: 'its worker was terminated because another handler timed out' };
            }
            if (!this.pool)
                return { kind: 'interrupted', reason: 'shutting down' };
            const message = error?.message ?? String(error);
            return { kind: 'crashed', error: { name: 'WorkerCrashed', message: `the handler's worker thread stopped: ${message}` } };
        }
    }
    terminate(threadId, task) {
        const worker = this.pool?.threads.find((w) => w.threadId === threadId);
        if (!worker || this.terminated.has(threadId))
            return;
        this.terminated.add(threadId);
        this.logger.warn({ msg: 'terminating a handler worker blocked past the handler timeout', queue: task.queue, messageId: task.id, threadId });
        void worker.terminate().finally(() => {
            setTimeout(() => this.terminated.delete(threadId), 60_000).unref();
        });
    }
    piscina() {
        if (this.pool)
            return this.pool;
        const workers = this.config.handlerWorkers;
        const pool = new piscina_1.Piscina({
            filename: exports.WORKER_ENTRY,
            minThreads: workers,
            maxThreads: workers,
            concurrentTasksPerWorker: this.tasksPerWorker,
            idleTimeout: Infinity,
            resourceLimits: { maxOldGenerationSizeMb: WORKER_MAX_OLD_GENERATION_MB },
            workerData: { env: this.config.handlerEnv, secrets: this.config.handlerSecrets, threadSlots: this.slots.buffer },
        });
        pool.on('message', (message) => {
            if (message && typeof message === 'object' && message.mailroomRpcPort)
                this.services.attach(message.mailroomRpcPort);
        });
        pool.on('error', (error) => this.logger.error(`a handler worker failed: ${error.message}`));
        this.pool = pool;
        return pool;
    }
};
exports.HandlerPool = HandlerPool;
exports.HandlerPool = HandlerPool = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, config_tokens_1.InjectConfig)()),
    __metadata("design:paramtypes", [Object, handler_services_1.HandlerServices])
], HandlerPool);
//# sourceMappingURL=handler-pool.js.map