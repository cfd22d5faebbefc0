"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwtStrategy = void 0;
const common_1 = require("@nestjs/common");
const passport_1 = require("@nestjs/passport");
const passport_jwt_1 = require("passport-jwt");
const node_crypto_1 = require("node:crypto");
const domain_error_1 = require("../common/domain-error.js");
const config_tokens_1 = require("../config/config.tokens.js");
const principal_1 = require("./principal.js");
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
function jwksKeyProvider(jwksUrl) {
    let keys = null;
    return (_request, rawJwt, done) => {
        (async () => {
            const jose = await import('jose');
            keys ??= jose.createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
            const header = jose.decodeProtectedHeader(rawJwt);
            const key = await keys(header);
            return key instanceof node_crypto_1.KeyObject ? key : node_crypto_1.KeyObject.from(key);
        })().then((key) => done(null, key), (error) => done(error.message));
    };
}
let JwtStrategy = class JwtStrategy extends (0, passport_1.PassportStrategy)(passport_jwt_1.Strategy, 'jwt') {
    constructor(config) {
        const { jwtSecret, jwksUrl, issuer, audience } = config.auth;
        super({
            jwtFromRequest: passport_jwt_1.ExtractJwt.fromExtractors([passport_jwt_1.ExtractJwt.fromAuthHeaderAsBearerToken(), passport_jwt_1.ExtractJwt.fromHeader('x-access-token')]),
            ignoreExpiration: false,
            algorithms: jwksUrl ? [...ASYMMETRIC] : ['HS256'],
            ...(issuer ? { issuer } : {}),
            ...(audience ? { audience } : {}),
            ...(jwksUrl ? { secretOrKeyProvider: jwksKeyProvider(jwksUrl) } : { secretOrKey: (0, node_crypto_1.createSecretKey)(Buffer.from(jwtSecret)) }),
            jsonWebTokenOptions: { clockTolerance: 5 },
        });
    }
    validate(claims) {
        if (typeof claims.sub !== 'string' || claims.sub === '')
            throw new domain_error_1.DomainError('UNAUTHENTICATED', 'The token has no subject (sub)');
        return (0, principal_1.principalFromClaims)(claims);
    }
};
exports.JwtStrategy = JwtStrategy;
exports.JwtStrategy = JwtStrategy = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, config_tokens_1.InjectConfig)()),
    __metadata("design:paramtypes", [Object])
], JwtStrategy);
//# sourceMappingURL=jwt.strategy.js.map