"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SqlText = exports.MESSAGE_COLUMNS = exports.KV_TABLE = exports.MESSAGES_TABLE = void 0;
exports.MESSAGES_TABLE = 'mailroom_messages';
exports.KV_TABLE = 'mailroom_kv';
exports.MESSAGE_COLUMNS = [
    'queue', 'id', 'seq', 'status', 'request', 'result', 'error', 'dead_letter', 'attempts', 'sent_by',
    'created_at', 'updated_at', 'available_at', 'lease_expires_at', 'receipt', 'idempotency_key',
];
class SqlText {
    dialect;
    constructor(dialect) {
        this.dialect = dialect;
    }
    get isPostgres() {
        return this.dialect === 'postgres';
    }
    get isMssql() {
        return this.dialect === 'mssql';
    }
    get isMysqlFamily() {
        return this.dialect === 'mysql' || this.dialect === 'mariadb';
    }
    p(i) {
        if (this.isPostgres)
            return `$${i + 1}`;
        if (this.isMssql)
            return `@${i}`;
        return '?';
    }
    cols(prefix = '') {
        return exports.MESSAGE_COLUMNS.map((c) => `${prefix}${c}`).join(', ');
    }
    returning() {
        if (this.isPostgres)
            return { output: '', returning: ` RETURNING ${this.cols()}` };
        if (this.isMssql)
            return { output: ` OUTPUT ${this.cols('inserted.')}`, returning: '' };
        return { output: '', returning: '' };
    }
    get updateReturnsRows() {
        return !this.isMysqlFamily;
    }
    insert(rows, skipExistingKeys) {
        const params = [];
        const tuples = rows.map((row) => {
            const marks = row.map((value) => {
                params.push(value);
                return this.p(params.length - 1);
            });
            return `(${marks.join(', ')})`;
        });
        let sql = `INSERT INTO ${exports.MESSAGES_TABLE} (${exports.MESSAGE_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`;
        if (skipExistingKeys && this.isPostgres) {
            sql += ' ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id';
        }
        return { sql, params };
    }
    selectByKeys(queue, keys) {
        const marks = keys.map((_, i) => this.p(i + 1)).join(', ');
        return { sql: `SELECT ${this.cols()} FROM ${exports.MESSAGES_TABLE} WHERE queue = ${this.p(0)} AND idempotency_key IN (${marks})`, params: [queue, ...keys] };
    }
    selectOne(queue, id) {
        return { sql: `SELECT ${this.cols()} FROM ${exports.MESSAGES_TABLE} WHERE queue = ${this.p(0)} AND id = ${this.p(1)}`, params: [queue, id] };
    }
    deleteOne(queue, id) {
        return { sql: `DELETE FROM ${exports.MESSAGES_TABLE} WHERE queue = ${this.p(0)} AND id = ${this.p(1)}`, params: [queue, id] };
    }
    list(queue, status, after, limit) {
        const params = [queue];
        let where = `queue = ${this.p(0)}`;
        if (status) {
            params.push(status);
            where += ` AND status = ${this.p(params.length - 1)}`;
        }
        if (after) {
            params.push(after.seq, after.seq, after.id);
            const n = params.length;
            where += ` AND (seq > ${this.p(n - 3)} OR (seq = ${this.p(n - 2)} AND id > ${this.p(n - 1)}))`;
        }
        return { sql: this.limited(`SELECT ${this.cols()} FROM ${exports.MESSAGES_TABLE} WHERE ${where} ORDER BY seq, id`, limit + 1), params };
    }
    limited(select, limit) {
        const n = Math.max(1, Math.floor(limit));
        if (this.isMssql)
            return select.replace(/^SELECT /, `SELECT TOP (${n}) `);
        return `${select} LIMIT ${n}`;
    }
    claim(queue, now, leaseExpiresAt, max) {
        const n = Math.max(1, Math.floor(max));
        if (this.isPostgres) {
            return {
                sql: `WITH c AS MATERIALIZED (SELECT id FROM ${exports.MESSAGES_TABLE} WHERE queue = $1 AND status = 'PENDING' ` +
                    `AND available_at <= $2 ORDER BY seq LIMIT ${n} FOR UPDATE SKIP LOCKED) ` +
                    `UPDATE ${exports.MESSAGES_TABLE} AS m SET status = 'INPROGRESS', attempts = m.attempts + 1, receipt = gen_random_uuid()::text, ` +
                    `lease_expires_at = $3, updated_at = $2 FROM c WHERE m.queue = $1 AND m.id = c.id` +
                    ` RETURNING ${this.cols('m.')}`,
                params: [queue, now, leaseExpiresAt],
            };
        }
        if (this.isMssql) {
            return {
                sql: `WITH c AS (SELECT TOP (${n}) * FROM ${exports.MESSAGES_TABLE} WITH (UPDLOCK, READPAST, ROWLOCK) WHERE queue = @0 AND status = 'PENDING' ` +
                    `AND available_at <= @1 ORDER BY seq) UPDATE c SET status = 'INPROGRESS', attempts = attempts + 1, ` +
                    `receipt = CONVERT(varchar(36), NEWID()), lease_expires_at = @2, updated_at = @1 OUTPUT ${this.cols('inserted.')};`,
                params: [queue, now, leaseExpiresAt],
            };
        }
        return {
            sql: `SELECT ${this.cols()} FROM ${exports.MESSAGES_TABLE} WHERE queue = ? AND status = 'PENDING' AND available_at <= ? ` +
                `ORDER BY seq LIMIT ${n} FOR UPDATE SKIP LOCKED`,
            params: [queue, now],
        };
    }
    leaseClaimed(queue, claimed, now, leaseExpiresAt) {
        const params = [];
        const cases = claimed.map(({ id, receipt }) => {
            params.push(id, receipt);
            return 'WHEN ? THEN ?';
        });
        params.push(leaseExpiresAt, now, queue, ...claimed.map((c) => c.id));
        return {
            sql: `UPDATE ${exports.MESSAGES_TABLE} SET status = 'INPROGRESS', attempts = attempts + 1, receipt = CASE id ${cases.join(' ')} END, ` +
                `lease_expires_at = ?, updated_at = ? WHERE queue = ? AND id IN (${claimed.map(() => '?').join(', ')})`,
            params,
        };
    }
    settle(queue, id, receipt, change) {
        const params = [];
        const bind = (value) => {
            params.push(value);
            return this.p(params.length - 1);
        };
        const sets = [`status = ${bind(change.status)}`, `updated_at = ${bind(change.updatedAt)}`, 'lease_expires_at = NULL', 'receipt = NULL'];
        if (change.result !== undefined)
            sets.push(`result = ${bind(change.result)}`);
        if (change.error !== undefined)
            sets.push(`error = ${bind(change.error)}`);
        if (change.availableAt !== undefined)
            sets.push(`available_at = ${bind(change.availableAt)}`);
        if (change.seq !== undefined)
            sets.push(`seq = ${bind(change.seq)}`);
        if (change.uncountAttempt)
            sets.push('attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END');
        const where = `queue = ${bind(queue)} AND id = ${bind(id)} AND receipt = ${bind(receipt)} AND status = 'INPROGRESS'`;
        const { output, returning } = this.returning();
        return { sql: `UPDATE ${exports.MESSAGES_TABLE} SET ${sets.join(', ')}${output} WHERE ${where}${returning}`, params };
    }
    extendLease(queue, id, receipt, leaseExpiresAt, now) {
        const { output, returning } = this.returning();
        return {
            sql: `UPDATE ${exports.MESSAGES_TABLE} SET lease_expires_at = ${this.p(0)}, updated_at = ${this.p(1)}${output} ` +
                `WHERE queue = ${this.p(2)} AND id = ${this.p(3)} AND receipt = ${this.p(4)} AND status = 'INPROGRESS'${returning}`,
            params: [leaseExpiresAt, now, queue, id, receipt],
        };
    }
    findExpiredLeases(queue, now, limit) {
        return {
            sql: this.limited(`SELECT ${this.cols()} FROM ${exports.MESSAGES_TABLE} WHERE queue = ${this.p(0)} AND status = 'INPROGRESS' AND lease_expires_at < ${this.p(1)} ORDER BY lease_expires_at, seq`, limit),
            params: [queue, now],
        };
    }
    requeue(queue, id, now) {
        const { output, returning } = this.returning();
        return {
            sql: `UPDATE ${exports.MESSAGES_TABLE} SET status = 'PENDING', attempts = 0, available_at = ${this.p(0)}, updated_at = ${this.p(1)}, ` +
                `lease_expires_at = NULL, receipt = NULL${output} WHERE queue = ${this.p(2)} AND id = ${this.p(3)} AND status = 'ERROR'${returning}`,
            params: [now, now, queue, id],
        };
    }
    stats(queue) {
        return {
            sql: `SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM ${exports.MESSAGES_TABLE} WHERE queue = ${this.p(0)} GROUP BY status`,
            params: [queue],
        };
    }
    maxSeq(queue) {
        return { sql: `SELECT MAX(seq) AS seq FROM ${exports.MESSAGES_TABLE} WHERE queue = ${this.p(0)}`, params: [queue] };
    }
    retention(queue, processedBefore, allBefore, limit) {
        const n = Math.max(1, Math.floor(limit));
        const cond = `queue = ${this.p(0)} AND ((status = 'COMPLETE' AND updated_at < ${this.p(1)}) OR created_at < ${this.p(2)})`;
        const params = [queue, processedBefore, allBefore];
        if (this.isPostgres) {
            return { sql: `DELETE FROM ${exports.MESSAGES_TABLE} WHERE queue = $1 AND id IN (SELECT id FROM ${exports.MESSAGES_TABLE} WHERE ${cond} LIMIT ${n})`, params };
        }
        if (this.isMssql)
            return { sql: `DELETE TOP (${n}) FROM ${exports.MESSAGES_TABLE} WHERE ${cond}`, params };
        return { sql: `DELETE FROM ${exports.MESSAGES_TABLE} WHERE ${cond} LIMIT ${n}`, params };
    }
    purgeMessages(queue) {
        return { sql: `DELETE FROM ${exports.MESSAGES_TABLE} WHERE queue = ${this.p(0)}`, params: [queue] };
    }
    purgeKv(queue) {
        return { sql: `DELETE FROM ${exports.KV_TABLE} WHERE queue = ${this.p(0)}`, params: [queue] };
    }
    kvGet(queue, key) {
        return { sql: `SELECT kv_value FROM ${exports.KV_TABLE} WHERE queue = ${this.p(0)} AND kv_key = ${this.p(1)}`, params: [queue, key] };
    }
    kvSet(queue, key, value) {
        if (this.isPostgres) {
            return {
                sql: `INSERT INTO ${exports.KV_TABLE} (queue, kv_key, kv_value) VALUES ($1, $2, $3) ON CONFLICT (queue, kv_key) DO UPDATE SET kv_value = EXCLUDED.kv_value`,
                params: [queue, key, value],
            };
        }
        if (this.isMssql) {
            return {
                sql: `MERGE ${exports.KV_TABLE} WITH (HOLDLOCK) AS t USING (SELECT @0 AS queue, @1 AS kv_key) AS s ON t.queue = s.queue AND t.kv_key = s.kv_key ` +
                    `WHEN MATCHED THEN UPDATE SET kv_value = @2 WHEN NOT MATCHED THEN INSERT (queue, kv_key, kv_value) VALUES (@0, @1, @2);`,
                params: [queue, key, value],
            };
        }
        return {
            sql: `INSERT INTO ${exports.KV_TABLE} (queue, kv_key, kv_value) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE kv_value = VALUES(kv_value)`,
            params: [queue, key, value],
        };
    }
    kvDelete(queue, key) {
        return { sql: `DELETE FROM ${exports.KV_TABLE} WHERE queue = ${this.p(0)} AND kv_key = ${this.p(1)}`, params: [queue, key] };
    }
    kvList(queue, prefix) {
        if (!prefix)
            return { sql: `SELECT kv_key FROM ${exports.KV_TABLE} WHERE queue = ${this.p(0)} ORDER BY kv_key`, params: [queue] };
        const escaped = prefix.replace(/[!%_[]/g, (c) => `!${c}`);
        return {
            sql: `SELECT kv_key FROM ${exports.KV_TABLE} WHERE queue = ${this.p(0)} AND kv_key LIKE ${this.p(1)} ESCAPE '!' ORDER BY kv_key`,
            params: [queue, `${escaped}%`],
        };
    }
    ping() {
        return 'SELECT 1 AS ok';
    }
}
exports.SqlText = SqlText;
//# sourceMappingURL=sql-dialect.js.map