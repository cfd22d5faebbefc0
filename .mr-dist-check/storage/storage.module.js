"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.StorageModule = void 0;
const common_1 = require("@nestjs/common");
const config_tokens_1 = require("../config/config.tokens.js");
const clock_1 = require("../common/clock.js");
const catalog_store_1 = require("./ports/catalog.store.js");
const grant_store_1 = require("./ports/grant.store.js");
const filesystem_message_store_1 = require("./filesystem/filesystem-message.store.js");
const filesystem_catalog_store_1 = require("./filesystem/filesystem-catalog.store.js");
const filesystem_grant_store_1 = require("./filesystem/filesystem-grant.store.js");
const sql_connections_1 = require("./sql/sql-connections.js");
const storage_service_1 = require("./storage.service.js");
let StorageModule = class StorageModule {
};
exports.StorageModule = StorageModule;
exports.StorageModule = StorageModule = __decorate([
    (0, common_1.Module)({
        providers: [
            {
                provide: filesystem_message_store_1.FilesystemMessageStore,
                inject: [config_tokens_1.APP_CONFIG, clock_1.Clock],
                useFactory: (config, clock) => new filesystem_message_store_1.FilesystemMessageStore(config.dataDir, clock),
            },
            {
                provide: sql_connections_1.SqlConnections,
                inject: [config_tokens_1.APP_CONFIG, clock_1.Clock],
                useFactory: (config, clock) => new sql_connections_1.SqlConnections(config, clock),
            },
            {
                provide: catalog_store_1.CatalogStore,
                inject: [config_tokens_1.APP_CONFIG, sql_connections_1.SqlConnections],
                useFactory: async (config, sql) => config.databaseUrl ? sql.catalogStore(config.databaseUrl) : filesystem_catalog_store_1.FilesystemCatalogStore.open(config.dataDir),
            },
            {
                provide: grant_store_1.GrantStore,
                inject: [config_tokens_1.APP_CONFIG, sql_connections_1.SqlConnections],
                useFactory: async (config, sql) => config.databaseUrl ? sql.grantStore(config.databaseUrl) : filesystem_grant_store_1.FilesystemGrantStore.open(config.dataDir),
            },
            storage_service_1.StorageService,
        ],
        exports: [storage_service_1.StorageService, catalog_store_1.CatalogStore, grant_store_1.GrantStore],
    })
], StorageModule);
//# sourceMappingURL=storage.module.js.map