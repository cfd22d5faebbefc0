"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.encodeCursor = encodeCursor;
exports.decodeCursor = decodeCursor;
const domain_error_1 = require("./domain-error.js");
function encodeCursor(position) {
    return Buffer.from(position, 'utf8').toString('base64url');
}
function decodeCursor(cursor) {
    if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor))
        throw new domain_error_1.DomainError('INVALID_CURSOR', 'cursor is not valid');
    return Buffer.from(cursor, 'base64url').toString('utf8');
}
//# sourceMappingURL=cursor.js.map