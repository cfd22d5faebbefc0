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
exports.DEV_SECRET_FILE = void 0;
exports.withDevelopmentSecret = withDevelopmentSecret;
const crypto = __importStar(require("node:crypto"));
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
exports.DEV_SECRET_FILE = 'dev-jwt-secret';
function withDevelopmentSecret(config) {
    if (config.auth.jwtSecret || config.auth.jwksUrl || config.production)
        return config;
    const file = path.join(config.dataDir, exports.DEV_SECRET_FILE);
    fs.mkdirSync(config.dataDir, { recursive: true });
    let secret;
    try {
        secret = fs.readFileSync(file, 'utf8').trim();
    }
    catch {
        secret = crypto.randomBytes(48).toString('base64url');
        fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    }
    return { ...config, auth: { ...config.auth, jwtSecret: secret, development: true } };
}
//# sourceMappingURL=dev-secret.js.map