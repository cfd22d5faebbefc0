import type * as http from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { DestinationStream } from 'pino';
import type { Clock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import { DomainErrorFilter } from '@app/common/domain-error.filter';
import { jsonDepthExceeds } from '@app/common/json-depth';
import type { AppConfig } from '@app/config/app.config';
import { AppModule } from '@app/app.module';
import { LifecycleService } from '@app/lifecycle/lifecycle.service';
import { MetricsService } from '@app/health/metrics.service';
import { createLogger, requestLog, REQUEST_ID_HEADER } from '@app/http/logging';
import { PinoNestLogger } from '@app/http/nest-logger';
import { JsonExpressAdapter } from '@app/http/json-express.adapter';
import { buildOpenApiDocument } from '@app/http/openapi';
import { Authenticator } from '@app/security/authenticator';
import type { Principal } from '@app/security/principal';
import { BUILT_CONSOLE_DIR, serveConsole } from '@app/http/console';

export const API_PREFIX = 'api/v1';
const JSON_TYPES = ['application/json', 'application/*+json'];
const BATCH_PATH = /^\/api\/v1\/queues\/[^/]+\/messages\/batch$/;
const API_PATH = /^\/api\/v1\//;

/** What a body may add around a message or a schema (a batch's `{messages: [...]}`, a definition's `incoming.schema`). */
const BODY_ENVELOPE_DEPTH = 4;

/**
 * JSON bodies only; a single message body is capped at MESSAGE_MAX_BYTES, a batch at 100 of them.
 * Every /api/v1 route needs a token, so a request with a body is authenticated before a byte of
 * it is read: a missing or bad token is answered at once and the connection closed, the rest of
 * the upload unread (a client that sent `Expect: 100-continue` is never told to go on). A body
 * that pauses longer than HTTP_BODY_IDLE_TIMEOUT_SECONDS is cut off.
 * A body nested deeper than any message or schema may be is refused as soon as it is parsed, so
 * nothing that recurses (validation, cloning, serialization) ever meets it.
 */
function bodyParsing(app: NestExpressApplication, config: AppConfig): void {
  const maxDepth = Math.max(config.messageMaxDepth, config.schemaMaxDepth) + BODY_ENVELOPE_DEPTH;
  const single = express.json({ limit: config.messageMaxBytes, strict: false, type: JSON_TYPES });
  const batch = express.json({ limit: config.messageMaxBytes * 100 + 4096, strict: false, type: JSON_TYPES });
  const authenticator = app.get(Authenticator);
  const idleMs = config.http.bodyIdleTimeoutSeconds * 1000;
  app.use((request: Request, response: Response, next: NextFunction) => {
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    if (!hasBody) {
      next();
      return;
    }
    const refuse = (error: unknown) => {
      response.setHeader('Connection', 'close');
      next(error);
    };
    if (!API_PATH.test(request.path)) {
      refuse(new DomainError('ROUTE_NOT_FOUND', 'Only /api/v1 routes take a request body'));
      return;
    }
    authenticator.authenticate(request, response).then((principal) => {
      (request as Request & { user?: Principal }).user = principal;
      if (['POST', 'PUT', 'PATCH'].includes(request.method) && !request.is(JSON_TYPES)) {
        refuse(new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be JSON (Content-Type: application/json)'));
        return;
      }
      if (request.headers.expect?.toLowerCase() === '100-continue') response.writeContinue();
      readBody(request, BATCH_PATH.test(request.path) ? batch : single, idleMs, (error) => {
        if (error) refuse(error);
        else if (jsonDepthExceeds(request.body, maxDepth))
          next(new DomainError('JSON_TOO_DEEP', `The request body is nested more than ${maxDepth} levels deep`, { maxDepth }));
        else next();
      });
    }, refuse);
  });
}

/** Runs the body parser with an idle timeout; `done` is called once. */
function readBody(request: Request, parser: express.RequestHandler, idleMs: number, done: (error?: unknown) => void): void {
  let finished = false;
  const finish = (error?: unknown) => {
    if (finished) return;
    finished = true;
    request.off('timeout', onIdle);
    request.socket.setTimeout(0);
    done(error);
  };
  const onIdle = () => finish(new DomainError('REQUEST_TIMEOUT', `The request body paused longer than ${idleMs / 1000} s`));
  request.once('timeout', onIdle);
  request.socket.setTimeout(idleMs);
  parser(request, request.res as Response, finish);
}

/** Headers and whole requests that arrive too slowly are cut off (Node's defaults: 60 s and 300 s). */
function serverTimeouts(app: NestExpressApplication, config: AppConfig): void {
  const server = app.getHttpServer();
  server.requestTimeout = config.http.requestTimeoutSeconds * 1000;
  server.headersTimeout = config.http.headersTimeoutSeconds * 1000;
  // `Expect: 100-continue` requests reach the app before Node says "continue": bodyParsing says it once the token is valid
  server.on('checkContinue', (request: http.IncomingMessage, response: http.ServerResponse) => server.emit('request', request, response));
  // how often Node looks for connections past those timeouts (read when the server starts listening)
  (server as http.Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(1000, Math.max(100, server.headersTimeout / 4));
}

function openApi(app: NestExpressApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}

/** CORS stays off unless CORS_ORIGINS lists origins (`*` allows any). */
function cors(app: NestExpressApplication, config: AppConfig): void {
  if (!config.corsOrigins.length) return;
  app.enableCors({
    origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
    allowedHeaders: ['Authorization', 'Content-Type', 'x-access-token', 'Idempotency-Key', REQUEST_ID_HEADER],
    exposedHeaders: ['Location', 'Retry-After', REQUEST_ID_HEADER],
    maxAge: 600,
  });
}

export interface CreateAppOptions {
  /** where JSON log lines go (stdout by default); tests capture them here */
  logDestination?: DestinationStream;
  /** where the console's built files are (dist/console by default) */
  consoleDir?: string;
}

/** Builds the HTTP application exactly as production runs it (tests use this too). */
export async function createApp(config: AppConfig, clock?: Clock, options: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const logger = createLogger(config, options.logDestination);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, clock), new JsonExpressAdapter(), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(new PinoNestLogger(logger));
  app.use(requestLog(logger));
  app.disable('x-powered-by');
  // no ETag: express would hash every response body (~4% of CPU in the batch-push benchmark) for conditional GETs nobody makes
  app.set('etag', false);
  // TRUST_PROXY: req.ip (request log, per-address rate limit) is the client's address only behind trusted proxies
  app.set('trust proxy', config.trustProxy);
  app.setGlobalPrefix(API_PREFIX, { exclude: ['healthz', 'readyz', 'metrics'] });
  app.useGlobalFilters(new DomainErrorFilter());
  app.use(app.get(MetricsService).httpMiddleware);
  app.use(app.get(LifecycleService).middleware);
  // Mailroom usually serves plain HTTP behind a TLS-terminating proxy: upgrading the docs' assets to https would break /docs
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  cors(app, config);
  serverTimeouts(app, config);
  if (config.consoleEnabled) serveConsole(app, options.consoleDir ?? BUILT_CONSOLE_DIR);
  bodyParsing(app, config);
  if (config.docsEnabled) openApi(app);
  return app;
}
