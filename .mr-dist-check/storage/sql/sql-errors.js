"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.isConnectionError = isConnectionError;
exports.safeReason = safeReason;
const domain_error_1 = require("../../common/domain-error.js");
const connection_string_1 = require("./connection-string.js");
const CONNECTION_CODES = new Set([
    'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED',
    'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'POOL_CLOSED',
    'ESOCKET', 'ETIMEOUT', 'ECONNCLOSED', 'ENOTOPEN', 'ELOGIN',
    '57P01', '57P02', '57P03', '53300',
]);
const CONNECTION_MESSAGES = /connection terminated|timeout exceeded when trying to connect|connection (was )?closed|not connected|client has encountered a connection error|cannot use a pool after calling end|connection is closed|server closed the connection|read ECONNRESET|Connection lost/i;
function codes(error) {
    const out = [];
    let current = error;
    for (let depth = 0; current && depth < 4; depth++) {
        if (typeof current.code === 'string')
            out.push(current.code);
        current = (current.driverError ?? current.originalError ?? current.cause);
    }
    return out;
}
function isConnectionError(error) {
    if (error instanceof domain_error_1.DomainError)
        return false;
    if (codes(error).some((code) => CONNECTION_CODES.has(code) || code.startsWith('08')))
        return true;
    const message = error instanceof Error ? error.message : String(error);
    return CONNECTION_MESSAGES.test(message) || (error instanceof AggregateError && error.errors.some(isConnectionError));
}
function safeReason(error, secrets) {
    const code = codes(error)[0];
    let message = error instanceof AggregateError && error.errors.length ? error.errors[0].message : error instanceof Error ? error.message : String(error);
    if (!message && code)
        message = code;
    message = (0, connection_string_1.redact)(message, secrets).split('\n')[0].slice(0, 300);
    return code && !message.includes(code) ? `${code}: ${message}` : message;
}
//# sourceMappingURL=sql-errors.js.map