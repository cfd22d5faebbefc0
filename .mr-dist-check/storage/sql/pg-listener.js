"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PgListener = exports.AVAILABLE_CHANNEL = void 0;
const common_1 = require("@nestjs/common");
const pg_1 = require("pg");
const sql_errors_1 = require("./sql-errors.js");
exports.AVAILABLE_CHANNEL = 'mailroom_available';
class PgListener {
    target;
    onQueue;
    onReconnect;
    logger = new common_1.Logger('PgListener');
    client = null;
    timer = null;
    delayMs = 500;
    stopped = false;
    schema = null;
    constructor(target, onQueue, onReconnect) {
        this.target = target;
        this.onQueue = onQueue;
        this.onReconnect = onReconnect;
    }
    start() {
        if (!this.client && !this.timer && !this.stopped)
            void this.connect();
    }
    config() {
        const o = this.target.options;
        const mode = (o.sslmode ?? '').toLowerCase();
        return {
            host: this.target.host,
            port: this.target.port,
            user: this.target.username ?? undefined,
            password: this.target.password ?? undefined,
            database: this.target.database ?? undefined,
            connectionTimeoutMillis: 5000,
            keepAlive: true,
            application_name: 'mailroom-listener',
            ssl: mode === 'verify-ca' || mode === 'verify-full' ? { rejectUnauthorized: true } : mode === 'require' || mode === 'no-verify' || o.ssl === 'true' ? { rejectUnauthorized: false } : undefined,
            ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
        };
    }
    async connect() {
        const client = new pg_1.Client(this.config());
        this.client = client;
        client.on('error', () => this.lost(client));
        client.on('end', () => this.lost(client));
        client.on('notification', (message) => {
            const payload = message.payload ?? '';
            const dot = payload.indexOf('.');
            if (dot > 0 && payload.slice(0, dot) === this.schema)
                this.onQueue(payload.slice(dot + 1));
        });
        try {
            await client.connect();
            const { rows } = await client.query('SELECT current_schema() AS schema');
            this.schema = rows[0]?.schema ?? 'public';
            await client.query(`LISTEN ${exports.AVAILABLE_CHANNEL}`);
            if (this.stopped) {
                await client.end().catch(() => undefined);
                return;
            }
            if (this.delayMs > 500)
                this.logger.log('listening again for new messages');
            this.delayMs = 500;
            this.onReconnect();
        }
        catch (error) {
            this.logger.warn(`LISTEN failed (${(0, sql_errors_1.safeReason)(error, [this.target.password])}); polling continues`);
            this.lost(client);
        }
    }
    lost(client) {
        if (this.client !== client)
            return;
        this.client = null;
        client.removeAllListeners('notification');
        client.end().catch(() => undefined);
        if (this.stopped)
            return;
        this.timer = setTimeout(() => {
            this.timer = null;
            void this.connect();
        }, this.delayMs);
        this.timer.unref();
        this.delayMs = Math.min(this.delayMs * 2, 10_000);
    }
    async stop() {
        this.stopped = true;
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = null;
        const client = this.client;
        this.client = null;
        if (client)
            await client.end().catch(() => undefined);
    }
}
exports.PgListener = PgListener;
//# sourceMappingURL=pg-listener.js.map