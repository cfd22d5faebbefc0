"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.SecurityModule = void 0;
const common_1 = require("@nestjs/common");
const core_1 = require("@nestjs/core");
const passport_1 = require("@nestjs/passport");
const storage_module_1 = require("../storage/storage.module.js");
const queues_module_1 = require("../queues/queues.module.js");
const access_guard_1 = require("./access.guard.js");
const access_service_1 = require("./access.service.js");
const jwt_strategy_1 = require("./jwt.strategy.js");
const permissions_controller_1 = require("./permissions.controller.js");
const permissions_service_1 = require("./permissions.service.js");
let SecurityModule = class SecurityModule {
};
exports.SecurityModule = SecurityModule;
exports.SecurityModule = SecurityModule = __decorate([
    (0, common_1.Module)({
        imports: [passport_1.PassportModule, storage_module_1.StorageModule, queues_module_1.QueuesModule],
        controllers: [permissions_controller_1.PermissionsController],
        providers: [jwt_strategy_1.JwtStrategy, access_service_1.AccessService, permissions_service_1.PermissionsService, { provide: core_1.APP_GUARD, useClass: access_guard_1.AccessGuard }],
        exports: [access_service_1.AccessService],
    })
], SecurityModule);
//# sourceMappingURL=security.module.js.map