"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SqlDatabase = void 0;
exports.dataSourceOptions = dataSourceOptions;
const common_1 = require("@nestjs/common");
const typeorm_1 = require("typeorm");
const domain_error_1 = require("../../common/domain-error.js");
const catalog_entities_1 = require("./catalog.entities.js");
const sql_migrations_1 = require("./migrations/sql-migrations.js");
const sql_dialect_1 = require("./sql-dialect.js");
const sql_errors_1 = require("./sql-errors.js");
const CONNECT_TIMEOUT_MS = 5000;
const MIGRATION_LOCK = 'mailroom_migrations';
function ssl(options) {
    const mode = (options.sslmode ?? '').toLowerCase();
    if (mode === 'disable' || options.ssl === 'false')
        return false;
    if (mode === 'verify-ca' || mode === 'verify-full')
        return { rejectUnauthorized: true };
    if (mode === 'require' || mode === 'no-verify' || mode === 'prefer' || options.ssl === 'true')
        return { rejectUnauthorized: false };
    return undefined;
}
function dataSourceOptions(target) {
    const o = target.options;
    const poolSize = o.poolsize ? Number(o.poolsize) : 10;
    const connectTimeout = Number(o.connect_timeout ?? o.connecttimeout ?? 0) * (o.connect_timeout ? 1000 : 1) || CONNECT_TIMEOUT_MS;
    const common = {
        host: target.host,
        port: target.port,
        username: target.username ?? undefined,
        password: target.password ?? undefined,
        database: target.database ?? undefined,
        entities: catalog_entities_1.CATALOG_ENTITIES,
        migrations: sql_migrations_1.SQL_MIGRATIONS,
        migrationsTableName: 'mailroom_migrations',
        migrationsTransactionMode: 'each',
        migrationsRun: false,
        synchronize: false,
        logging: false,
    };
    switch (target.dialect) {
        case 'postgres':
            return {
                ...common,
                type: 'postgres',
                schema: o.schema,
                applicationName: o.application_name ?? 'mailroom',
                ssl: ssl(o),
                connectTimeoutMS: connectTimeout,
                poolSize,
                extra: { keepAlive: true, idleTimeoutMillis: 30000, ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}) },
            };
        case 'mysql':
        case 'mariadb':
            return {
                ...common,
                type: target.dialect,
                charset: o.charset ?? 'utf8mb4_bin',
                timezone: o.timezone ?? 'Z',
                connectTimeout,
                poolSize,
                ssl: ssl(o) || undefined,
                multipleStatements: false,
                flags: ['-LOCAL_FILES'],
                extra: { enableKeepAlive: true },
            };
        case 'mssql':
            return {
                ...common,
                type: 'mssql',
                connectionTimeout: connectTimeout,
                pool: { max: poolSize, min: 0 },
                options: {
                    encrypt: o.encrypt ? o.encrypt === 'true' : true,
                    trustServerCertificate: o.trustservercertificate === 'true',
                },
            };
    }
}
function versionAtLeast(version, major, minor) {
    const [a, b] = version.split(/[.-]/).map((n) => Number.parseInt(n, 10));
    return a > major || (a === major && (b || 0) >= minor);
}
class SqlDatabase {
    target;
    label;
    runMigrations;
    text;
    logger = new common_1.Logger('SqlDatabase');
    dataSource = null;
    starting = null;
    closed = false;
    constructor(target, label, runMigrations) {
        this.target = target;
        this.label = label;
        this.runMigrations = runMigrations;
        this.text = new sql_dialect_1.SqlText(target.dialect);
    }
    get secrets() {
        return [this.target.password];
    }
    ready() {
        if (this.dataSource?.isInitialized)
            return Promise.resolve(this.dataSource);
        if (this.closed)
            return Promise.reject(new domain_error_1.DomainError('STORAGE_UNAVAILABLE', `The database ${this.where} is closed`));
        if (!this.starting) {
            this.starting = this.start().then((ds) => {
                this.dataSource = ds;
                this.starting = null;
                return ds;
            }, (error) => {
                this.starting = null;
                throw error;
            });
        }
        return this.starting;
    }
    get initialized() {
        return this.dataSource?.isInitialized ?? false;
    }
    get where() {
        return `${this.target.host}:${this.target.port}`;
    }
    async start() {
        const ds = new typeorm_1.DataSource(dataSourceOptions(this.target));
        await ds.initialize();
        try {
            await this.checkServer(ds);
            if (this.runMigrations)
                await this.migrate(ds);
        }
        catch (error) {
            await ds.destroy().catch(() => undefined);
            throw error;
        }
        if (this.closed) {
            await ds.destroy().catch(() => undefined);
            throw new domain_error_1.DomainError('STORAGE_UNAVAILABLE', `The database ${this.where} is closed`);
        }
        this.logger.log(`connected to ${this.label}`);
        return ds;
    }
    async checkServer(ds) {
        if (this.text.isMysqlFamily) {
            const [row] = (await ds.query('SELECT VERSION() AS v'));
            const version = String(row.v);
            const mariadb = /mariadb/i.test(version);
            if (mariadb ? !versionAtLeast(version, 10, 6) : !versionAtLeast(version, 8, 0)) {
                throw new Error(`${mariadb ? 'MariaDB' : 'MySQL'} ${version} is too old: Mailroom needs MySQL 8.0 or MariaDB 10.6 (FOR UPDATE SKIP LOCKED)`);
            }
        }
        else if (this.text.isPostgres) {
            const [row] = (await ds.query('SHOW server_version_num'));
            if (Number(row.server_version_num) < 130000)
                throw new Error('PostgreSQL 13 or newer is needed');
        }
    }
    async migrate(ds) {
        const lock = ds.createQueryRunner();
        await lock.connect();
        try {
            if (this.text.isPostgres)
                await lock.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]);
            else if (this.text.isMysqlFamily)
                await lock.query('SELECT GET_LOCK(?, 60)', [MIGRATION_LOCK]);
            else
                await lock.query(`EXEC sp_getapplock @Resource = @0, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 60000`, [MIGRATION_LOCK]);
            const applied = await ds.runMigrations({ transaction: 'each' });
            if (applied.length)
                this.logger.log(`applied migrations ${applied.map((m) => m.name).join(', ')} on ${this.label}`);
        }
        finally {
            try {
                if (this.text.isPostgres)
                    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK]);
                else if (this.text.isMysqlFamily)
                    await lock.query('SELECT RELEASE_LOCK(?)', [MIGRATION_LOCK]);
                else
                    await lock.query(`EXEC sp_releaseapplock @Resource = @0, @LockOwner = 'Session'`, [MIGRATION_LOCK]);
            }
            finally {
                await lock.release();
            }
        }
    }
    mapError(error) {
        if (error instanceof domain_error_1.DomainError)
            return error;
        if ((0, sql_errors_1.isConnectionError)(error)) {
            return new domain_error_1.DomainError('STORAGE_UNAVAILABLE', `The database ${this.where} is unavailable: ${(0, sql_errors_1.safeReason)(error, this.secrets)}`);
        }
        return error;
    }
    async connected() {
        try {
            return await this.ready();
        }
        catch (error) {
            if (error instanceof domain_error_1.DomainError)
                throw error;
            throw new domain_error_1.DomainError('STORAGE_UNAVAILABLE', `The database ${this.where} is unavailable: ${(0, sql_errors_1.safeReason)(error, this.secrets)}`);
        }
    }
    async query(statement) {
        const ds = await this.connected();
        const runner = ds.createQueryRunner();
        try {
            return await exec(runner, statement);
        }
        catch (error) {
            throw this.mapError(error);
        }
        finally {
            await runner.release().catch(() => undefined);
        }
    }
    async transaction(work) {
        const ds = await this.connected();
        const runner = ds.createQueryRunner();
        try {
            await runner.connect();
            await runner.startTransaction();
            try {
                const out = await work((statement) => exec(runner, statement));
                await runner.commitTransaction();
                return out;
            }
            catch (error) {
                if (runner.isTransactionActive)
                    await runner.rollbackTransaction().catch(() => undefined);
                throw error;
            }
        }
        catch (error) {
            throw this.mapError(error);
        }
        finally {
            await runner.release().catch(() => undefined);
        }
    }
    async use(work) {
        const ds = await this.connected();
        try {
            return await work(ds);
        }
        catch (error) {
            throw this.mapError(error);
        }
    }
    async ping() {
        await this.query({ sql: this.text.ping(), params: [] });
    }
    async close() {
        this.closed = true;
        const starting = this.starting;
        if (starting)
            await starting.catch(() => undefined);
        const ds = this.dataSource;
        this.dataSource = null;
        if (ds?.isInitialized)
            await ds.destroy().catch(() => undefined);
    }
}
exports.SqlDatabase = SqlDatabase;
async function exec(runner, statement) {
    const result = await runner.query(statement.sql, statement.params, true);
    return { records: (result.records ?? []), affected: result.affected ?? 0 };
}
//# sourceMappingURL=sql-database.js.map