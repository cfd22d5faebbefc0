"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SqlConnections = void 0;
const common_1 = require("@nestjs/common");
const clock_1 = require("../../common/clock.js");
const domain_error_1 = require("../../common/domain-error.js");
const connection_string_1 = require("./connection-string.js");
const sql_database_1 = require("./sql-database.js");
const sql_message_store_1 = require("./sql-message.store.js");
const sql_catalog_store_1 = require("./sql-catalog.store.js");
const sql_grant_store_1 = require("./sql-grant.store.js");
const sql_errors_1 = require("./sql-errors.js");
class SqlConnections {
    config;
    clock;
    logger = new common_1.Logger('SqlConnections');
    databases = new Map();
    stores = new Map();
    storesByRaw = new Map();
    catalog = null;
    grants = null;
    databaseUrlTarget;
    constructor(config, clock = new clock_1.SystemClock()) {
        this.config = config;
        this.clock = clock;
    }
    databaseUrl() {
        if (this.databaseUrlTarget === undefined) {
            this.databaseUrlTarget = this.config.databaseUrl ? (0, connection_string_1.parseConnectionString)((0, connection_string_1.resolvePlaceholders)(this.config.databaseUrl)) : null;
        }
        return this.databaseUrlTarget;
    }
    target(raw) {
        const resolved = (0, connection_string_1.resolvePlaceholders)(raw);
        const options = (0, connection_string_1.parseConnectionString)(resolved);
        if (raw !== this.config.databaseUrl)
            (0, connection_string_1.assertHostAllowed)(options, this.config.sqlAllowedHosts, this.databaseUrl());
        return { key: resolved, options, label: (0, connection_string_1.maskConnectionString)(raw) };
    }
    database(target) {
        let db = this.databases.get(target.key);
        if (!db) {
            db = new sql_database_1.SqlDatabase(target.options, target.label, this.config.migrationsRun);
            this.databases.set(target.key, db);
        }
        return db;
    }
    async catalogDatabase(raw) {
        const db = this.database(this.target(raw));
        try {
            await db.ready();
        }
        catch (error) {
            throw new Error(`Cannot use DATABASE_URL ${(0, connection_string_1.maskConnectionString)(raw)}: ${(0, sql_errors_1.safeReason)(error, db.secrets)}`);
        }
        return db;
    }
    async catalogStore(url) {
        this.catalog ??= new sql_catalog_store_1.SqlCatalogStore(await this.catalogDatabase(url));
        return this.catalog;
    }
    async grantStore(url) {
        this.grants ??= new sql_grant_store_1.SqlGrantStore(await this.catalogDatabase(url));
        return this.grants;
    }
    messageStore(url) {
        const cached = this.storesByRaw.get(url);
        if (cached)
            return cached;
        const target = this.target(url);
        let store = this.stores.get(target.key);
        if (!store) {
            store = new sql_message_store_1.SqlMessageStore(this.database(target), this.clock);
            this.stores.set(target.key, store);
        }
        this.storesByRaw.set(url, store);
        return store;
    }
    async verify(url) {
        const target = this.target(url);
        const known = this.databases.has(target.key);
        const db = this.database(target);
        try {
            await db.ready();
            await db.ping();
        }
        catch (error) {
            if (!known && !this.stores.has(target.key)) {
                this.databases.delete(target.key);
                await db.close();
            }
            const reason = error instanceof domain_error_1.DomainError ? error.message : (0, sql_errors_1.safeReason)(error, db.secrets);
            throw new domain_error_1.DomainError('CONNECTION_FAILED', `Cannot connect to ${target.label}: ${reason}`);
        }
    }
    messageStores() {
        return [...this.stores.values()];
    }
    async closeAll() {
        await Promise.all([...this.stores.values()].map((store) => store.close()));
        await Promise.all([...this.databases.values()].map((db) => db.close()));
        this.stores.clear();
        this.storesByRaw.clear();
        this.databases.clear();
        if (this.databases.size)
            this.logger.log('closed SQL connections');
    }
}
exports.SqlConnections = SqlConnections;
//# sourceMappingURL=sql-connections.js.map