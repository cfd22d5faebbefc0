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
exports.CATALOG_ENTITIES = exports.CatalogVersionRow = exports.GrantRow = exports.BindingRow = exports.TopicRow = exports.QueueRow = void 0;
const typeorm_1 = require("typeorm");
const epochMs = {
    to: (value) => value,
    from: (value) => (value === null ? null : Number(value)),
};
let QueueRow = class QueueRow {
    name;
    definition;
    updatedAt;
};
exports.QueueRow = QueueRow;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 80 }),
    __metadata("design:type", String)
], QueueRow.prototype, "name", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'text' }),
    __metadata("design:type", String)
], QueueRow.prototype, "definition", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'updated_at', type: 'bigint', transformer: epochMs }),
    __metadata("design:type", Number)
], QueueRow.prototype, "updatedAt", void 0);
exports.QueueRow = QueueRow = __decorate([
    (0, typeorm_1.Entity)('mailroom_queues')
], QueueRow);
let TopicRow = class TopicRow {
    name;
    createdAt;
};
exports.TopicRow = TopicRow;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 80 }),
    __metadata("design:type", String)
], TopicRow.prototype, "name", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'created_at', type: 'bigint', transformer: epochMs }),
    __metadata("design:type", Number)
], TopicRow.prototype, "createdAt", void 0);
exports.TopicRow = TopicRow = __decorate([
    (0, typeorm_1.Entity)('mailroom_topics')
], TopicRow);
let BindingRow = class BindingRow {
    topic;
    queue;
};
exports.BindingRow = BindingRow;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 80 }),
    __metadata("design:type", String)
], BindingRow.prototype, "topic", void 0);
__decorate([
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 80 }),
    __metadata("design:type", String)
], BindingRow.prototype, "queue", void 0);
exports.BindingRow = BindingRow = __decorate([
    (0, typeorm_1.Entity)('mailroom_bindings')
], BindingRow);
let GrantRow = class GrantRow {
    resourceType;
    resourceName;
    subject;
    action;
    grantedBy;
    grantedAt;
};
exports.GrantRow = GrantRow;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ name: 'resource_type', type: 'varchar', length: 10 }),
    __metadata("design:type", String)
], GrantRow.prototype, "resourceType", void 0);
__decorate([
    (0, typeorm_1.PrimaryColumn)({ name: 'resource_name', type: 'varchar', length: 80 }),
    __metadata("design:type", String)
], GrantRow.prototype, "resourceName", void 0);
__decorate([
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 255 }),
    __metadata("design:type", String)
], GrantRow.prototype, "subject", void 0);
__decorate([
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 20 }),
    __metadata("design:type", String)
], GrantRow.prototype, "action", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'granted_by', type: 'varchar', length: 255 }),
    __metadata("design:type", String)
], GrantRow.prototype, "grantedBy", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'granted_at', type: 'varchar', length: 40 }),
    __metadata("design:type", String)
], GrantRow.prototype, "grantedAt", void 0);
exports.GrantRow = GrantRow = __decorate([
    (0, typeorm_1.Entity)('mailroom_grants')
], GrantRow);
let CatalogVersionRow = class CatalogVersionRow {
    id;
    version;
};
exports.CatalogVersionRow = CatalogVersionRow;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ type: 'int' }),
    __metadata("design:type", Number)
], CatalogVersionRow.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'bigint', transformer: epochMs }),
    __metadata("design:type", Number)
], CatalogVersionRow.prototype, "version", void 0);
exports.CatalogVersionRow = CatalogVersionRow = __decorate([
    (0, typeorm_1.Entity)('mailroom_catalog_version')
], CatalogVersionRow);
exports.CATALOG_ENTITIES = [QueueRow, TopicRow, BindingRow, GrantRow, CatalogVersionRow];
//# sourceMappingURL=catalog.entities.js.map