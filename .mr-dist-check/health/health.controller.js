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
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.HealthController = void 0;
const common_1 = require("@nestjs/common");
const swagger_1 = require("@nestjs/swagger");
const throttler_1 = require("@nestjs/throttler");
const access_decorator_1 = require("../security/access.decorator.js");
const catalog_store_1 = require("../storage/ports/catalog.store.js");
const storage_service_1 = require("../storage/storage.service.js");
const lifecycle_service_1 = require("./lifecycle.service.js");
async function check(probe) {
    try {
        await probe();
        return { status: 'up' };
    }
    catch (error) {
        return { status: 'down', reason: error.message };
    }
}
let HealthController = class HealthController {
    catalog;
    storage;
    lifecycle;
    constructor(catalog, storage, lifecycle) {
        this.catalog = catalog;
        this.storage = storage;
        this.lifecycle = lifecycle;
    }
    healthz() {
        return { status: 'ok' };
    }
    async readyz(response) {
        if (this.lifecycle.draining) {
            response.status(503);
            return { status: 'draining' };
        }
        const stores = this.storage.stores();
        const [catalog, ...engines] = await Promise.all([check(() => this.catalog.ping()), ...stores.map((s) => check(() => s.ping()))]);
        const ready = catalog.status === 'up' && engines.every((e) => e.status === 'up');
        response.status(ready ? 200 : 503);
        return { status: ready ? 'ready' : 'not ready', checks: { catalog, storage: engines } };
    }
};
exports.HealthController = HealthController;
__decorate([
    (0, common_1.Get)('healthz'),
    (0, common_1.HttpCode)(200),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", []),
    __metadata("design:returntype", Object)
], HealthController.prototype, "healthz", null);
__decorate([
    (0, common_1.Get)('readyz'),
    __param(0, (0, common_1.Res)({ passthrough: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object]),
    __metadata("design:returntype", Promise)
], HealthController.prototype, "readyz", null);
exports.HealthController = HealthController = __decorate([
    (0, swagger_1.ApiExcludeController)(),
    (0, access_decorator_1.Public)(),
    (0, throttler_1.SkipThrottle)(),
    (0, common_1.Controller)(),
    __metadata("design:paramtypes", [catalog_store_1.CatalogStore,
        storage_service_1.StorageService,
        lifecycle_service_1.LifecycleService])
], HealthController);
//# sourceMappingURL=health.controller.js.map