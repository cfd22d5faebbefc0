import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, Response } from 'express';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import type { AppConfig } from '@app/config/app.config';
import type { Principal } from '@app/security/principal';
import { maskValues, scrubSecrets } from '@app/common/secrets';

export const REQUEST_ID_HEADER = 'x-request-id';
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PATHS = /^\/(healthz|readyz|metrics)(\?|$)/;

/** Shorter values are too likely to be ordinary words; where they could appear, the source scrubs them. */
const MIN_MASKED_LENGTH = 8;

/**
 * A destination that scrubs credentials from every finished log line, whatever field they hide
 * in: URL passwords, tokens (query values, anything shaped like a JWT), and the given secret values (as written, URL- and JSON-encoded).
 */
export function scrubbingDestination(inner: DestinationStream, secrets: readonly string[] = []): DestinationStream {
  const forms = secrets.filter((s) => s.length >= MIN_MASKED_LENGTH).flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]);
  if (forms.length === 0) return { write: (line: string) => inner.write(scrubSecrets(line)) };
  return { write: (line: string) => inner.write(maskValues(scrubSecrets(line), forms)) };
}

/** Values of the settings that are secrets: the JWT secret, the client secret, the metrics token, handler secrets, connection string variables, SQS secret keys. */
export function secretSettings(config: AppConfig): string[] {
  return [
    config.auth.jwtSecret,
    config.authClient.clientSecret,
    config.metricsToken,
    ...Object.values(config.handlerSecrets),
    ...Object.values(config.sqlPlaceholders),
    ...config.sqs.credentials.map((c) => c.secretAccessKey),
  ].filter((s): s is string => !!s);
}

type RequestWithUser = IncomingMessage & { user?: Principal; params?: Record<string, string>; id?: unknown };

/** subject, queue and message id of a request, for its log line */
export function requestBindings(request: RequestWithUser): Record<string, string> {
  const bindings: Record<string, string> = {};
  if (request.user?.subject) bindings.subject = request.user.subject;
  if (request.params?.queue) bindings.queue = request.params.queue;
  if (request.params?.id) bindings.messageId = request.params.id;
  return bindings;
}

/** pino's request serializer without `query`: it repeats the URL's query, whose token values are scrubbed from the URL. */
function requestSerializer(request: IncomingMessage): Record<string, unknown> {
  const { query: _query, ...rest } = pino.stdSerializers.req(request) as unknown as Record<string, unknown>;
  return rest;
}

/** The process logger: JSON lines, credentials redacted from headers and scrubbed from every line. */
export function createLogger(config: AppConfig, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'mailroom' },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-access-token"]', 'req.headers.cookie', 'req.headers["proxy-authorization"]'],
        censor: '[REDACTED]',
      },
      serializers: { req: requestSerializer, err: pino.stdSerializers.err },
    },
    scrubbingDestination(destination ?? pino.destination({ dest: 1, sync: true }), secretSettings(config)),
  );
}

function levelOf(status: number): Level {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/**
 * The request log, mounted before every other middleware so even requests refused by body
 * parsing are logged: a request id per request (taken from x-request-id or generated, echoed in
 * the response) and one line when the response is finished, at info (2xx/3xx), warn (4xx) or
 * error (5xx). Nothing per request is built unless that line will be written: at LOG_LEVEL=warn
 * a successful request costs one id and one listener.
 */
export function requestLog(logger: Logger): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    const incoming = request.headers[REQUEST_ID_HEADER];
    const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    (request as RequestWithUser).id = id;
    response.setHeader(REQUEST_ID_HEADER, id);
    if (logger.isLevelEnabled('error') && !QUIET_PATHS.test(request.url)) {
      const started = performance.now();
      response.once('finish', () => {
        const status = response.statusCode;
        const level = levelOf(status);
        if (!logger.isLevelEnabled(level)) return;
        logger[level](
          {
            requestId: id,
            clientAddress: request.ip,
            ...requestBindings(request as RequestWithUser),
            req: request,
            res: { statusCode: status },
            responseTime: Math.round(performance.now() - started),
          },
          'request completed',
        );
      });
    }
    next();
  };
}
