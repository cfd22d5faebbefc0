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
exports.AuthClientTokens = exports.HandlerServiceError = void 0;
const common_1 = require("@nestjs/common");
const config_tokens_1 = require("../../config/config.tokens.js");
class HandlerServiceError extends Error {
    constructor(name, message) {
        super(message);
        this.name = name;
    }
}
exports.HandlerServiceError = HandlerServiceError;
const REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_LIFETIME_SECONDS = 60;
const RENEW_BEFORE_MS = 60_000;
let AuthClientTokens = class AuthClientTokens {
    config;
    cached = null;
    inflight = null;
    constructor(config) {
        this.config = config;
    }
    async getAccessToken() {
        if (this.cached && Date.now() < this.cached.renewAt)
            return this.cached.token;
        this.inflight ??= this.request().finally(() => {
            this.inflight = null;
        });
        return this.inflight;
    }
    async request() {
        const { tokenUrl, clientId, clientSecret, scope, audience } = this.config.authClient;
        if (!tokenUrl || !clientId) {
            throw new HandlerServiceError('AuthClientNotConfigured', 'set AUTH_CLIENT_TOKEN_URL and AUTH_CLIENT_ID (and AUTH_CLIENT_SECRET) to use authClientProvider');
        }
        const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId });
        if (clientSecret)
            form.set('client_secret', clientSecret);
        if (scope)
            form.set('scope', scope);
        if (audience)
            form.set('audience', audience);
        const host = new URL(tokenUrl).host;
        let response;
        try {
            response = await fetch(tokenUrl, {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
                body: form,
                signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
        }
        catch (error) {
            throw new HandlerServiceError('AuthClientError', `the token endpoint at ${host} cannot be reached: ${error.name}`);
        }
        const body = (await response.json().catch(() => null));
        if (!response.ok || typeof body?.access_token !== 'string') {
            const reason = typeof body?.error === 'string' ? ` (${body.error.slice(0, 100)})` : '';
            throw new HandlerServiceError('AuthClientError', `the token endpoint at ${host} answered ${response.status} without an access token${reason}`);
        }
        const seconds = Number(body.expires_in);
        const lifetimeMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LIFETIME_SECONDS) * 1000;
        this.cached = { token: body.access_token, renewAt: Date.now() + lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs * 0.1) };
        return body.access_token;
    }
};
exports.AuthClientTokens = AuthClientTokens;
exports.AuthClientTokens = AuthClientTokens = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, config_tokens_1.InjectConfig)()),
    __metadata("design:paramtypes", [Object])
], AuthClientTokens);
//# sourceMappingURL=auth-client-tokens.js.map