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
exports.StorageService = void 0;
const common_1 = require("@nestjs/common");
const config_tokens_1 = require("../config/config.tokens.js");
const filesystem_message_store_1 = require("./filesystem/filesystem-message.store.js");
const sql_connections_1 = require("./sql/sql-connections.js");
const domain_error_1 = require("../common/domain-error.js");
let StorageService = class StorageService {
    config;
    filesystem;
    sql;
    constructor(config, filesystem, sql) {
        this.config = config;
        this.filesystem = filesystem;
        this.sql = sql;
    }
    async onModuleInit() {
        await this.filesystem.open();
    }
    forQueue(definition) {
        if (definition.storageEngine === 'filesystem')
            return this.filesystem;
        return this.sql.messageStore(this.sqlConnectionString(definition));
    }
    async verify(definition) {
        if (definition.storageEngine === 'filesystem')
            return;
        await this.sql.verify(this.sqlConnectionString(definition));
    }
    stores() {
        return [this.filesystem, ...this.sql.messageStores()];
    }
    async onApplicationShutdown() {
        await this.sql.closeAll();
        await this.filesystem.close();
    }
    sqlConnectionString(definition) {
        const connectionString = definition.connectionString ?? this.config.databaseUrl;
        if (!connectionString) {
            throw new domain_error_1.DomainError('INVALID_QUEUE_DEFINITION', 'storageEngine "sql" needs a connectionString or DATABASE_URL');
        }
        return connectionString;
    }
};
exports.StorageService = StorageService;
exports.StorageService = StorageService = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, config_tokens_1.InjectConfig)()),
    __metadata("design:paramtypes", [Object, filesystem_message_store_1.FilesystemMessageStore,
        sql_connections_1.SqlConnections])
], StorageService);
//# sourceMappingURL=storage.service.js.map