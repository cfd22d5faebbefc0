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
exports.PermissionsService = exports.GRANT_ACTIONS = exports.SUBJECT_PATTERN = void 0;
const common_1 = require("@nestjs/common");
const clock_1 = require("../common/clock.js");
const domain_error_1 = require("../common/domain-error.js");
const grant_store_1 = require("../storage/ports/grant.store.js");
const namespace_service_1 = require("../queues/namespace.service.js");
const queue_registry_service_1 = require("../queues/queue-registry.service.js");
exports.SUBJECT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.@|:+=~-]{0,254}$';
const SUBJECT = new RegExp(exports.SUBJECT_PATTERN);
exports.GRANT_ACTIONS = {
    queue: ['send_to_queue', 'receive'],
    topic: ['send_to_topic'],
};
let PermissionsService = class PermissionsService {
    grants;
    queues;
    namespace;
    clock;
    constructor(grants, queues, namespace, clock) {
        this.grants = grants;
        this.queues = queues;
        this.namespace = namespace;
        this.clock = clock;
    }
    async listForResource(type, name) {
        await this.assertResource(type, name);
        return { items: sortGrants(await this.grants.list({ resource: { type, name } })), nextCursor: null };
    }
    async listForSubject(subject) {
        if (typeof subject !== 'string' || subject === '')
            throw new domain_error_1.DomainError('VALIDATION_FAILED', 'the query parameter subject is required');
        assertSubject(subject);
        return { items: sortGrants(await this.grants.list({ subject })), nextCursor: null };
    }
    async grant(type, name, subject, action, grantedBy) {
        const grantAction = assertGrant(type, subject, action);
        await this.assertResource(type, name);
        if (await this.grants.has(type, name, subject, grantAction))
            return;
        await this.grants.put({ resource: { type, name }, subject, action: grantAction, grantedBy, grantedAt: new Date(this.clock.now()).toISOString() });
    }
    async revoke(type, name, subject, action) {
        const grantAction = assertGrant(type, subject, action);
        await this.assertResource(type, name);
        await this.grants.delete(type, name, subject, grantAction);
    }
    async assertResource(type, name) {
        if (type === 'queue') {
            this.queues.require(name);
        }
        else if (!(await this.namespace.topicExists(name))) {
            throw new domain_error_1.DomainError('TOPIC_NOT_FOUND', `Topic ${name} does not exist`);
        }
    }
};
exports.PermissionsService = PermissionsService;
exports.PermissionsService = PermissionsService = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [grant_store_1.GrantStore,
        queue_registry_service_1.QueueRegistry,
        namespace_service_1.NamespaceService,
        clock_1.Clock])
], PermissionsService);
function assertSubject(subject) {
    if (!SUBJECT.test(subject)) {
        throw new domain_error_1.DomainError('INVALID_PERMISSION', `subject must match ${exports.SUBJECT_PATTERN}`);
    }
}
function assertGrant(type, subject, action) {
    assertSubject(subject);
    const allowed = exports.GRANT_ACTIONS[type];
    if (!allowed.includes(action)) {
        throw new domain_error_1.DomainError('INVALID_PERMISSION', `action on a ${type} must be ${allowed.join(' or ')}, not ${JSON.stringify(action)}`);
    }
    return action;
}
function sortGrants(grants) {
    return [...grants].sort((a, b) => a.resource.type.localeCompare(b.resource.type) ||
        a.resource.name.localeCompare(b.resource.name) ||
        a.subject.localeCompare(b.subject) ||
        a.action.localeCompare(b.action));
}
//# sourceMappingURL=permissions.service.js.map