"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var HttpEdgeModule_1;
Object.defineProperty(exports, "__esModule", { value: true });
exports.HttpEdgeModule = void 0;
const common_1 = require("@nestjs/common");
const core_1 = require("@nestjs/core");
const throttler_1 = require("@nestjs/throttler");
const nestjs_pino_1 = require("nestjs-pino");
const config_tokens_1 = require("../config/config.tokens.js");
const rate_limit_guard_1 = require("./rate-limit.guard.js");
const request_context_interceptor_1 = require("./request-context.interceptor.js");
let HttpEdgeModule = HttpEdgeModule_1 = class HttpEdgeModule {
    static forRoot(requestLogger) {
        return {
            module: HttpEdgeModule_1,
            imports: [
                nestjs_pino_1.LoggerModule.forRoot({ pinoHttp: { logger: requestLogger.logger }, useExisting: true }),
                throttler_1.ThrottlerModule.forRootAsync({ inject: [config_tokens_1.APP_CONFIG], useFactory: rate_limit_guard_1.throttlerOptions }),
            ],
            providers: [
                { provide: core_1.APP_GUARD, useClass: rate_limit_guard_1.RateLimitGuard },
                { provide: core_1.APP_INTERCEPTOR, useClass: request_context_interceptor_1.RequestContextInterceptor },
            ],
        };
    }
};
exports.HttpEdgeModule = HttpEdgeModule;
exports.HttpEdgeModule = HttpEdgeModule = HttpEdgeModule_1 = __decorate([
    (0, common_1.Module)({})
], HttpEdgeModule);
//# sourceMappingURL=http-edge.module.js.map