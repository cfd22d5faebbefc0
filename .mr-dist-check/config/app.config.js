"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConfigError = void 0;
exports.loadConfig = loadConfig;
const path = __importStar(require("node:path"));
class ConfigError extends Error {
    setting;
    constructor(setting, reason) {
        super(`Invalid setting ${setting}: ${reason}`);
        this.setting = setting;
        this.name = 'ConfigError';
    }
}
exports.ConfigError = ConfigError;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
function text(env, name) {
    const value = env[name];
    return value === undefined || value.trim() === '' ? null : value.trim();
}
function integer(env, name, fallback, min, max) {
    const raw = text(env, name);
    if (raw === null)
        return fallback;
    if (!/^-?\d+$/.test(raw))
        throw new ConfigError(name, `expected a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max)
        throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
    return value;
}
function bool(env, name, fallback) {
    const raw = text(env, name);
    if (raw === null)
        return fallback;
    if (/^(true|1|yes|on)$/i.test(raw))
        return true;
    if (/^(false|0|no|off)$/i.test(raw))
        return false;
    throw new ConfigError(name, `expected true or false, got "${raw}"`);
}
function url(env, name, protocols) {
    const raw = text(env, name);
    if (raw === null)
        return null;
    let parsed;
    try {
        parsed = new URL(raw);
    }
    catch {
        throw new ConfigError(name, 'is not a valid URL');
    }
    if (!protocols.includes(parsed.protocol)) {
        throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(', ')}`);
    }
    return raw;
}
function list(env, name) {
    const raw = text(env, name);
    return raw === null ? [] : raw.split(',').map((s) => s.trim()).filter(Boolean);
}
function prefixed(env, prefix) {
    const out = {};
    for (const [key, value] of Object.entries(env)) {
        if (key.startsWith(prefix) && key.length > prefix.length && value !== undefined)
            out[key.slice(prefix.length)] = value;
    }
    return out;
}
function loadConfig(env = process.env) {
    const production = env.NODE_ENV === 'production';
    const logLevel = (text(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
    if (!LOG_LEVELS.includes(logLevel))
        throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
    const jwtSecret = text(env, 'AUTH_JWT_SECRET');
    if (jwtSecret !== null && Buffer.byteLength(jwtSecret) < 32) {
        throw new ConfigError('AUTH_JWT_SECRET', 'must be at least 32 bytes long (HS256)');
    }
    const jwksUrl = url(env, 'AUTH_JWKS_URL', ['https:', 'http:']);
    if (jwtSecret && jwksUrl)
        throw new ConfigError('AUTH_JWKS_URL', 'set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
    if (production && !jwtSecret && !jwksUrl) {
        throw new ConfigError('AUTH_JWT_SECRET', 'NODE_ENV=production needs AUTH_JWT_SECRET or AUTH_JWKS_URL');
    }
    const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:', 'mysql:', 'mariadb:', 'mssql:']);
    return {
        production,
        port: integer(env, 'PORT', 3000, 0, 65535),
        dataDir: path.resolve(text(env, 'DATA_DIR') ?? './data'),
        configDir: path.resolve(text(env, 'CONFIG_DIR') ?? './config'),
        databaseUrl,
        migrationsRun: bool(env, 'MIGRATIONS_RUN', true),
        sqlAllowedHosts: list(env, 'SQL_ALLOWED_HOSTS').map((h) => h.toLowerCase()),
        messageMaxBytes: integer(env, 'MESSAGE_MAX_BYTES', 262144, 1024, 64 * 1024 * 1024),
        dispatcherEnabled: bool(env, 'DISPATCHER_ENABLED', true),
        rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 0, 0, 1_000_000),
        logLevel,
        corsOrigins: list(env, 'CORS_ORIGINS'),
        shutdownGraceSeconds: integer(env, 'SHUTDOWN_GRACE_SECONDS', 20, 0, 3600),
        shutdownDelaySeconds: integer(env, 'SHUTDOWN_DELAY_SECONDS', 0, 0, 300),
        handlerWorkers: integer(env, 'HANDLER_WORKERS', 2, 1, 64),
        globalConcurrency: integer(env, 'DISPATCHER_GLOBAL_CONCURRENCY', 64, 1, 4096),
        auth: {
            jwtSecret,
            jwksUrl,
            issuer: text(env, 'AUTH_ISSUER'),
            audience: text(env, 'AUTH_AUDIENCE'),
            development: false,
        },
        authClient: {
            tokenUrl: url(env, 'AUTH_CLIENT_TOKEN_URL', ['https:', 'http:']),
            clientId: text(env, 'AUTH_CLIENT_ID'),
            clientSecret: text(env, 'AUTH_CLIENT_SECRET'),
            scope: text(env, 'AUTH_CLIENT_SCOPE'),
            audience: text(env, 'AUTH_CLIENT_AUDIENCE'),
        },
        handlerEnv: prefixed(env, 'MAILROOM_ENV__'),
        handlerSecrets: prefixed(env, 'MAILROOM_SECRET__'),
    };
}
//# sourceMappingURL=app.config.js.map