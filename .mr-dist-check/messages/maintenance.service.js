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
exports.MaintenanceService = exports.RETENTION_BATCH = void 0;
const common_1 = require("@nestjs/common");
const schedule_1 = require("@nestjs/schedule");
const clock_1 = require("../common/clock.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
const delivery_service_1 = require("./delivery.service.js");
exports.RETENTION_BATCH = 500;
const RETENTION_MAX_BATCHES = 20;
const LEASE_BATCH = 200;
const LEASE_MAX_BATCHES = 10;
let MaintenanceService = class MaintenanceService {
    registry;
    delivery;
    clock;
    logger = new common_1.Logger('Maintenance');
    sweeping = false;
    retaining = false;
    constructor(registry, delivery, clock) {
        this.registry = registry;
        this.delivery = delivery;
        this.clock = clock;
    }
    async leaseTick() {
        if (this.sweeping)
            return;
        this.sweeping = true;
        await this.expireLeases()
            .catch((error) => this.logger.warn(`lease expiry failed: ${error.message}`))
            .finally(() => (this.sweeping = false));
    }
    async retentionTick() {
        if (this.retaining)
            return;
        this.retaining = true;
        await this.applyRetention()
            .catch((error) => this.logger.warn(`retention failed: ${error.message}`))
            .finally(() => (this.retaining = false));
    }
    async runOnce() {
        const expiredLeases = await this.expireLeases();
        const deleted = await this.applyRetention();
        return { expiredLeases, deleted };
    }
    async expireLeases() {
        let total = 0;
        for (const { definition } of this.registry.list()) {
            try {
                for (let batch = 0; batch < LEASE_MAX_BATCHES; batch++) {
                    const handled = await this.delivery.expireLeases(definition, LEASE_BATCH);
                    total += handled;
                    if (handled < LEASE_BATCH)
                        break;
                }
            }
            catch (error) {
                this.logger.warn(`lease expiry of queue ${definition.name} failed: ${error.message}`);
            }
        }
        return total;
    }
    async applyRetention() {
        let total = 0;
        for (const { definition } of this.registry.list()) {
            const now = this.clock.now();
            const rule = {
                processedBefore: now - definition.retention.processedMinutes * 60_000,
                allBefore: now - definition.retention.allHours * 3_600_000,
                limit: exports.RETENTION_BATCH,
            };
            try {
                const store = this.delivery.store(definition);
                for (let batch = 0; batch < RETENTION_MAX_BATCHES; batch++) {
                    const deleted = await store.applyRetention(definition.name, rule);
                    total += deleted;
                    if (deleted < exports.RETENTION_BATCH)
                        break;
                    await new Promise((resolve) => setImmediate(resolve));
                }
            }
            catch (error) {
                this.logger.warn(`retention of queue ${definition.name} failed: ${error.message}`);
            }
        }
        return total;
    }
};
exports.MaintenanceService = MaintenanceService;
__decorate([
    (0, schedule_1.Interval)('lease-expiry', 1_000),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", []),
    __metadata("design:returntype", Promise)
], MaintenanceService.prototype, "leaseTick", null);
__decorate([
    (0, schedule_1.Interval)('retention', 60_000),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", []),
    __metadata("design:returntype", Promise)
], MaintenanceService.prototype, "retentionTick", null);
exports.MaintenanceService = MaintenanceService = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [queue_registry_service_1.QueueRegistry,
        delivery_service_1.DeliveryService,
        clock_1.Clock])
], MaintenanceService);
//# sourceMappingURL=maintenance.service.js.map