"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.API_PREFIX = void 0;
exports.createApp = createApp;
const core_1 = require("@nestjs/core");
const swagger_1 = require("@nestjs/swagger");
const express_1 = __importDefault(require("express"));
const helmet_1 = __importDefault(require("helmet"));
const nestjs_pino_1 = require("nestjs-pino");
const domain_error_1 = require("./common/domain-error.js");
const domain_error_filter_1 = require("./common/domain-error.filter.js");
const app_module_1 = require("./app.module.js");
const lifecycle_service_1 = require("./health/lifecycle.service.js");
const metrics_service_1 = require("./health/metrics.service.js");
const logging_1 = require("./http/logging.js");
exports.API_PREFIX = 'api/v1';
const JSON_TYPES = ['application/json', 'application/*+json'];
const BATCH_PATH = /^\/api\/v1\/queues\/[^/]+\/messages\/batch$/;
function bodyParsing(app, config) {
    const single = express_1.default.json({ limit: config.messageMaxBytes, strict: false, type: JSON_TYPES });
    const batch = express_1.default.json({ limit: config.messageMaxBytes * 100 + 4096, strict: false, type: JSON_TYPES });
    app.use((request, response, next) => {
        const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
        if (hasBody && ['POST', 'PUT', 'PATCH'].includes(request.method) && !request.is(JSON_TYPES)) {
            next(new domain_error_1.DomainError('UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be JSON (Content-Type: application/json)'));
            return;
        }
        (BATCH_PATH.test(request.path) ? batch : single)(request, response, next);
    });
}
function openApi(app) {
    const document = swagger_1.SwaggerModule.createDocument(app, new swagger_1.DocumentBuilder()
        .setTitle('Mailroom')
        .setDescription('Durable message queues with JSON Schema validation, handlers, topics and pull consumers. Errors share one envelope with a stable `code`.')
        .setVersion('1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
        .addApiKey({ type: 'apiKey', in: 'header', name: 'x-access-token', description: 'the JWT, Elemental style' }, 'x-access-token')
        .build());
    swagger_1.SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
function cors(app, config) {
    if (!config.corsOrigins.length)
        return;
    app.enableCors({
        origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
        allowedHeaders: ['Authorization', 'Content-Type', 'x-access-token', 'Idempotency-Key', logging_1.REQUEST_ID_HEADER],
        exposedHeaders: ['Location', 'Retry-After', logging_1.REQUEST_ID_HEADER],
        maxAge: 600,
    });
}
async function createApp(config, clock, options = {}) {
    const requestLogger = (0, logging_1.createRequestLogger)(config, options.logDestination);
    const app = await core_1.NestFactory.create(app_module_1.AppModule.forRoot(config, clock, requestLogger), {
        bodyParser: false,
        bufferLogs: true,
    });
    app.useLogger(app.get(nestjs_pino_1.Logger));
    app.use(requestLogger);
    app.disable('x-powered-by');
    app.set('trust proxy', false);
    app.setGlobalPrefix(exports.API_PREFIX, { exclude: ['healthz', 'readyz', 'metrics'] });
    app.useGlobalFilters(new domain_error_filter_1.DomainErrorFilter());
    app.use(app.get(metrics_service_1.MetricsService).httpMiddleware);
    app.use(app.get(lifecycle_service_1.LifecycleService).middleware);
    app.use((0, helmet_1.default)());
    cors(app, config);
    bodyParsing(app, config);
    openApi(app);
    return app;
}
//# sourceMappingURL=bootstrap.js.map