"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.DomainErrorFilter = void 0;
exports.toErrorBody = toErrorBody;
const common_1 = require("@nestjs/common");
const domain_error_1 = require("./domain-error.js");
const REASONS = {
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
    413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
    429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};
const HTTP_STATUS_CODES = {
    400: 'VALIDATION_FAILED', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'ROUTE_NOT_FOUND',
    413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED', 503: 'SHUTTING_DOWN',
};
function toErrorBody(exception) {
    if (exception instanceof domain_error_1.DomainError) {
        return {
            statusCode: exception.status,
            error: REASONS[exception.status] ?? 'Error',
            code: exception.code,
            message: exception.message,
            ...(exception.details === undefined ? {} : { details: exception.details }),
            ...exception.extra,
        };
    }
    const parserError = (exception instanceof common_1.HttpException && exception.cause ? exception.cause : exception);
    if (parserError?.type === 'entity.parse.failed')
        return make('MALFORMED_JSON', 'The request body is not valid JSON');
    if (parserError?.type === 'entity.too.large')
        return make('PAYLOAD_TOO_LARGE', 'The request body is larger than allowed');
    if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
        return make('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding');
    }
    if (exception instanceof common_1.HttpException) {
        const status = exception.getStatus();
        const code = HTTP_STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED');
        return { statusCode: status, error: REASONS[status] ?? 'Error', code, message: exception.message };
    }
    return make('INTERNAL_ERROR', 'Internal server error');
}
function make(code, message) {
    const status = domain_error_1.ERROR_STATUS[code];
    return { statusCode: status, error: REASONS[status], code, message };
}
let DomainErrorFilter = class DomainErrorFilter {
    logger = new common_1.Logger('Errors');
    catch(exception, host) {
        const response = host.switchToHttp().getResponse();
        const body = toErrorBody(exception);
        if (body.statusCode >= 500 && !(exception instanceof domain_error_1.DomainError)) {
            this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
        }
        if (response.headersSent)
            return;
        if (exception instanceof domain_error_1.DomainError && exception.extra?.retryAfterSeconds !== undefined) {
            response.setHeader('Retry-After', String(exception.extra.retryAfterSeconds));
        }
        response.status(body.statusCode).json(body);
    }
};
exports.DomainErrorFilter = DomainErrorFilter;
exports.DomainErrorFilter = DomainErrorFilter = __decorate([
    (0, common_1.Catch)()
], DomainErrorFilter);
//# sourceMappingURL=domain-error.filter.js.map