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
exports.AccessGuard = void 0;
const common_1 = require("@nestjs/common");
const core_1 = require("@nestjs/core");
const passport_1 = require("@nestjs/passport");
const domain_error_1 = require("../common/domain-error.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
const access_service_1 = require("./access.service.js");
const access_decorator_1 = require("./access.decorator.js");
let AccessGuard = class AccessGuard extends (0, passport_1.AuthGuard)('jwt') {
    reflector;
    access;
    queues;
    constructor(reflector, access, queues) {
        super();
        this.reflector = reflector;
        this.access = access;
        this.queues = queues;
    }
    async canActivate(context) {
        const targets = [context.getHandler(), context.getClass()];
        if (this.reflector.getAllAndOverride(access_decorator_1.PUBLIC_KEY, targets))
            return true;
        await super.canActivate(context);
        const rule = this.reflector.getAllAndOverride(access_decorator_1.ACCESS_KEY, targets);
        if (!rule)
            throw new domain_error_1.DomainError('FORBIDDEN', 'This route declares no access rule');
        const request = context.switchToHttp().getRequest();
        const queueName = rule.queueParam ? request.params[rule.queueParam] : undefined;
        const topic = rule.topicParam ? request.params[rule.topicParam] : undefined;
        const needsQueue = rule.action === 'message.write' || rule.action === 'message.consume';
        const queue = needsQueue && typeof queueName === 'string' ? this.queues.require(queueName).definition : undefined;
        await this.access.assert(request.user, rule.action, { queue, topic: typeof topic === 'string' ? topic : undefined });
        return true;
    }
    handleRequest(error, user, info) {
        if (error instanceof domain_error_1.DomainError)
            throw error;
        if (error || !user) {
            const reason = info instanceof Error ? info.message : typeof error === 'string' ? error : error instanceof Error ? error.message : 'missing token';
            throw new domain_error_1.DomainError('UNAUTHENTICATED', `Authentication failed: ${reason}`);
        }
        return user;
    }
};
exports.AccessGuard = AccessGuard;
exports.AccessGuard = AccessGuard = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [core_1.Reflector,
        access_service_1.AccessService,
        queue_registry_service_1.QueueRegistry])
], AccessGuard);
//# sourceMappingURL=access.guard.js.map