"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.LifecycleService = void 0;
const common_1 = require("@nestjs/common");
const domain_error_1 = require("../common/domain-error.js");
const PROBES = /^\/(healthz|readyz)$/;
let LifecycleService = class LifecycleService {
    drainingSince = null;
    refusing = false;
    serverClosed = null;
    startDrain() {
        this.drainingSince ??= Date.now();
    }
    stopAccepting(server) {
        this.startDrain();
        this.refusing = true;
        if (server?.listening && !this.serverClosed) {
            this.serverClosed = new Promise((resolve) => server.close(() => resolve()));
        }
    }
    async beforeApplicationShutdown() {
        await this.serverClosed;
    }
    get draining() {
        return this.drainingSince !== null;
    }
    middleware = (request, response, next) => {
        if (this.drainingSince === null)
            return next();
        response.setHeader('Connection', 'close');
        if (this.refusing && !PROBES.test(request.path)) {
            return next(new domain_error_1.DomainError('SHUTTING_DOWN', 'Mailroom is shutting down; retry on another instance'));
        }
        next();
    };
};
exports.LifecycleService = LifecycleService;
exports.LifecycleService = LifecycleService = __decorate([
    (0, common_1.Injectable)()
], LifecycleService);
//# sourceMappingURL=lifecycle.service.js.map