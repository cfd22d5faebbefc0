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
exports.AccessService = void 0;
const common_1 = require("@nestjs/common");
const domain_error_1 = require("../common/domain-error.js");
const grant_store_1 = require("../storage/ports/grant.store.js");
const principal_1 = require("./principal.js");
const access_rules_1 = require("./access-rules.js");
let AccessService = class AccessService {
    grants;
    constructor(grants) {
        this.grants = grants;
    }
    async can(principal, action, resource = {}) {
        const queue = resource.queue ?? null;
        const requirement = (0, access_rules_1.requirementFor)(action, queue, resource.topic ?? null);
        if (requirement.open)
            return true;
        const roles = (0, principal_1.rolesFor)(principal, queue?.client_id ?? null);
        if (requirement.anyRole.some((role) => roles.has(role)))
            return true;
        const grant = requirement.grant;
        return grant !== null && principal.subject !== '' && (await this.grants.has(grant.type, grant.name, principal.subject, grant.action));
    }
    async assert(principal, action, resource = {}) {
        if (!(await this.can(principal, action, resource))) {
            const target = resource.queue ? ` on queue ${resource.queue.name}` : resource.topic ? ` on topic ${resource.topic}` : '';
            throw new domain_error_1.DomainError('FORBIDDEN', `Not allowed: ${action}${target}`);
        }
    }
};
exports.AccessService = AccessService;
exports.AccessService = AccessService = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [grant_store_1.GrantStore])
], AccessService);
//# sourceMappingURL=access.service.js.map