"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.REQUEST_ID_HEADER = void 0;
exports.scrubSecrets = scrubSecrets;
exports.scrubbingDestination = scrubbingDestination;
exports.requestBindings = requestBindings;
exports.createRequestLogger = createRequestLogger;
const node_crypto_1 = require("node:crypto");
const pino_1 = __importDefault(require("pino"));
const pino_http_1 = require("pino-http");
exports.REQUEST_ID_HEADER = 'x-request-id';
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PATHS = /^\/(healthz|readyz|metrics)(\?|$)/;
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s"'/:@]*):[^\s"'@/]*@/gi;
function scrubSecrets(text) {
    return text.replace(URL_CREDENTIALS, '$1:***@');
}
function scrubbingDestination(inner) {
    return { write: (line) => inner.write(scrubSecrets(line)) };
}
function requestBindings(request) {
    const bindings = {};
    if (request.user?.subject)
        bindings.subject = request.user.subject;
    if (request.params?.queue)
        bindings.queue = request.params.queue;
    if (request.params?.id)
        bindings.messageId = request.params.id;
    return bindings;
}
function createRequestLogger(config, destination) {
    const target = scrubbingDestination(destination ?? pino_1.default.destination({ dest: 1, sync: true }));
    return (0, pino_http_1.pinoHttp)({
        level: config.logLevel,
        base: { service: 'mailroom' },
        timestamp: pino_1.default.stdTimeFunctions.isoTime,
        messageKey: 'msg',
        quietReqLogger: true,
        customAttributeKeys: { reqId: 'requestId' },
        genReqId: (request, response) => {
            const incoming = request.headers[exports.REQUEST_ID_HEADER];
            const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : (0, node_crypto_1.randomUUID)();
            response.setHeader(exports.REQUEST_ID_HEADER, id);
            return id;
        },
        customProps: (request) => requestBindings(request),
        customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
        autoLogging: { ignore: (request) => QUIET_PATHS.test(request.url ?? '') },
        redact: {
            paths: [
                'req.headers.authorization',
                'req.headers["x-access-token"]',
                'req.headers.cookie',
                'req.headers["proxy-authorization"]',
            ],
            censor: '[REDACTED]',
        },
        serializers: { res: (response) => ({ statusCode: response.statusCode }) },
    }, target);
}
//# sourceMappingURL=logging.js.map