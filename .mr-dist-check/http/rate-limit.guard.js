"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.RateLimitGuard = void 0;
exports.throttlerOptions = throttlerOptions;
const common_1 = require("@nestjs/common");
const throttler_1 = require("@nestjs/throttler");
const domain_error_1 = require("../common/domain-error.js");
let RateLimitGuard = class RateLimitGuard extends throttler_1.ThrottlerGuard {
    async getTracker(request) {
        const subject = request.user?.subject;
        return subject ? `sub:${subject}` : `ip:${request.ip ?? 'unknown'}`;
    }
    async throwThrottlingException(_context, detail) {
        const retryAfterSeconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
        throw new domain_error_1.DomainError('RATE_LIMITED', `Rate limit of ${detail.limit} requests per minute exceeded; retry in ${retryAfterSeconds} s`, undefined, { retryAfterSeconds });
    }
};
exports.RateLimitGuard = RateLimitGuard;
exports.RateLimitGuard = RateLimitGuard = __decorate([
    (0, common_1.Injectable)()
], RateLimitGuard);
function throttlerOptions(config) {
    return {
        throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, config.rateLimitPerMinute) }],
        skipIf: () => config.rateLimitPerMinute === 0,
    };
}
//# sourceMappingURL=rate-limit.guard.js.map