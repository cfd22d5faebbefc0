"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.resolvePlaceholders = resolvePlaceholders;
exports.maskConnectionString = maskConnectionString;
exports.parseConnectionString = parseConnectionString;
exports.isHostAllowed = isHostAllowed;
exports.assertHostAllowed = assertHostAllowed;
exports.redact = redact;
const domain_error_1 = require("../../common/domain-error.js");
const DIALECTS = {
    'postgres:': 'postgres',
    'postgresql:': 'postgres',
    'mysql:': 'mysql',
    'mariadb:': 'mariadb',
    'mssql:': 'mssql',
    'sqlserver:': 'mssql',
};
const DEFAULT_PORTS = { postgres: 5432, mysql: 3306, mariadb: 3306, mssql: 1433 };
const FORBIDDEN_OPTIONS = new Set([
    'sslkey', 'sslcert', 'sslrootcert', 'sslcrl', 'sslpassword', 'passfile', 'service', 'servicefile',
    'host', 'hostaddr', 'socket', 'socketpath', 'unix_socket', 'localaddress',
    'localinfile', 'local_infile', 'infilestreamfactory', 'multiplestatements', 'flags',
    'ssl_key', 'ssl_cert', 'ssl_ca', 'sslca', 'ca', 'cert', 'key', 'pfx',
]);
const ALLOWED_OPTIONS = {
    postgres: new Set(['sslmode', 'ssl', 'schema', 'application_name', 'connect_timeout', 'poolsize']),
    mysql: new Set(['ssl', 'sslmode', 'charset', 'timezone', 'connecttimeout', 'connect_timeout', 'poolsize']),
    mariadb: new Set(['ssl', 'sslmode', 'charset', 'timezone', 'connecttimeout', 'connect_timeout', 'poolsize']),
    mssql: new Set(['encrypt', 'trustservercertificate', 'connecttimeout', 'connect_timeout', 'poolsize', 'instancename']),
};
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
function resolvePlaceholders(raw, env = process.env) {
    return raw.replace(PLACEHOLDER, (_, name) => {
        const value = env[name];
        if (value === undefined) {
            throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', `The connection string refers to \${${name}}, which is not set in the environment`);
        }
        return encodeURIComponent(value);
    });
}
function split(raw) {
    const match = /^([A-Za-z][A-Za-z0-9+.-]*:)\/\/([^/?#]*)(.*)$/s.exec(raw.trim());
    if (!match)
        return null;
    const [, scheme, authority, rest] = match;
    const at = authority.lastIndexOf('@');
    return { scheme: scheme.toLowerCase(), userinfo: at >= 0 ? authority.slice(0, at) : null, authority: at >= 0 ? authority.slice(at + 1) : authority, rest };
}
function maskConnectionString(raw) {
    const parts = split(raw);
    if (!parts)
        return raw.replace(/(password|pwd)=[^&;]*/gi, '$1=***');
    let userinfo = '';
    if (parts.userinfo !== null) {
        const colon = parts.userinfo.indexOf(':');
        userinfo = (colon >= 0 ? `${parts.userinfo.slice(0, colon)}:***` : parts.userinfo) + '@';
    }
    const rest = parts.rest.replace(/([?&;](?:password|pwd)=)[^&;#]*/gi, '$1***');
    return `${parts.scheme}//${userinfo}${parts.authority}${rest}`;
}
function decode(value, what) {
    try {
        return decodeURIComponent(value);
    }
    catch {
        throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', `The connection string has a badly encoded ${what}`);
    }
}
function parseConnectionString(resolved) {
    const parts = split(resolved);
    const dialect = parts ? DIALECTS[parts.scheme] : undefined;
    if (!parts || !dialect) {
        throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', 'A connection string must start with postgres://, postgresql://, mysql://, mariadb:// or mssql://');
    }
    let url;
    try {
        url = new URL(`http://${parts.authority}${parts.rest}`);
    }
    catch {
        throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', 'The connection string is not a valid URL');
    }
    if (parts.rest.includes('#'))
        throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', 'The connection string must not have a #fragment');
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!host || host.includes('%') || host.startsWith('/') || parts.authority.includes(',')) {
        throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', 'The connection string needs one TCP host (unix sockets and host lists are not allowed)');
    }
    const port = url.port ? Number(url.port) : DEFAULT_PORTS[dialect];
    let username = null;
    let password = null;
    if (parts.userinfo !== null) {
        const colon = parts.userinfo.indexOf(':');
        username = decode(colon >= 0 ? parts.userinfo.slice(0, colon) : parts.userinfo, 'user name') || null;
        password = colon >= 0 ? decode(parts.userinfo.slice(colon + 1), 'password') : null;
    }
    const path = url.pathname.replace(/^\//, '');
    if (path.includes('/'))
        throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', 'The connection string path must be just the database name');
    const database = path ? decode(path, 'database name') : null;
    const options = {};
    for (const [key, value] of url.searchParams) {
        const name = key.toLowerCase();
        if (FORBIDDEN_OPTIONS.has(name)) {
            throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', `The connection string option "${key}" is not allowed (it would open files or sockets on the server, or run extra statements)`);
        }
        if (!ALLOWED_OPTIONS[dialect].has(name)) {
            throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', `The connection string option "${key}" is not supported for ${dialect}; supported: ${[...ALLOWED_OPTIONS[dialect]].join(', ')}`);
        }
        options[name] = value;
    }
    if (options.sslmode !== undefined && !['disable', 'prefer', 'require', 'no-verify', 'verify-ca', 'verify-full'].includes(options.sslmode.toLowerCase())) {
        throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', `sslmode "${options.sslmode}" is not supported`);
    }
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
        throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', 'schema must be a lower-case SQL identifier');
    }
    if (options.poolsize !== undefined && !/^([1-9]\d?|100)$/.test(options.poolsize)) {
        throw new domain_error_1.DomainError('INVALID_CONNECTION_STRING', 'poolSize must be between 1 and 100');
    }
    return { dialect, host, port, username, password, database, options };
}
function allowEntry(entry) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed)
        return { host: bracketed[1].toLowerCase(), port: bracketed[2] ? Number(bracketed[2]) : null };
    const colons = entry.split(':').length - 1;
    if (colons === 1) {
        const [host, port] = entry.split(':');
        return { host: host.toLowerCase(), port: /^\d+$/.test(port) ? Number(port) : null };
    }
    return { host: entry.toLowerCase(), port: null };
}
function isHostAllowed(target, allowedHosts, databaseUrl) {
    if (databaseUrl && databaseUrl.host === target.host && databaseUrl.port === target.port)
        return true;
    return allowedHosts.some((entry) => {
        const allowed = allowEntry(entry.trim());
        return allowed.host === target.host && (allowed.port === null || allowed.port === target.port);
    });
}
function assertHostAllowed(target, allowedHosts, databaseUrl) {
    if (!isHostAllowed(target, allowedHosts, databaseUrl)) {
        throw new domain_error_1.DomainError('SQL_HOST_NOT_ALLOWED', `The database host ${target.host}:${target.port} is not in SQL_ALLOWED_HOSTS`);
    }
}
function redact(text, secrets) {
    let out = text;
    for (const secret of secrets) {
        if (secret && secret.length >= 1) {
            out = out.split(secret).join('***');
            const encoded = encodeURIComponent(secret);
            if (encoded !== secret)
                out = out.split(encoded).join('***');
        }
    }
    return out.replace(/([a-z]+:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
}
//# sourceMappingURL=connection-string.js.map