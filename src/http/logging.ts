import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream, type LevelWithSilent } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { AppConfig } from '@app/config/app.config';
import type { Principal } from '@app/security/principal';
import { scrubUrlCredentials } from '@app/common/secrets';

export const REQUEST_ID_HEADER = 'x-request-id';
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PATHS = /^\/(healthz|readyz|metrics)(\?|$)/;
/** A destination that scrubs credentials from every finished log line, whatever field they hide in. */
export function scrubbingDestination(inner: DestinationStream): DestinationStream {
  return { write: (line: string) => inner.write(scrubUrlCredentials(line)) };
}

type RequestWithUser = IncomingMessage & { user?: Principal; params?: Record<string, string>; id?: unknown };

/** subject, queue and message id of a request, for its log lines */
export function requestBindings(request: RequestWithUser): Record<string, string> {
  const bindings: Record<string, string> = {};
  if (request.user?.subject) bindings.subject = request.user.subject;
  if (request.params?.queue) bindings.queue = request.params.queue;
  if (request.params?.id) bindings.messageId = request.params.id;
  return bindings;
}

/**
 * The request logger (pino-http): JSON lines, a request id per request (taken from x-request-id
 * or generated, echoed in the response). It is mounted before every other middleware so even
 * requests refused by body parsing are logged; nestjs-pino reuses it (useExisting) for Nest logs.
 */
export function createRequestLogger(config: AppConfig, destination?: DestinationStream): HttpLogger {
  const target = scrubbingDestination(destination ?? pino.destination({ dest: 1, sync: true }));
  return pinoHttp<IncomingMessage, ServerResponse, never>(
    {
      level: config.logLevel,
      base: { service: 'mailroom' },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      genReqId: (request: IncomingMessage, response: ServerResponse) => {
        const incoming = request.headers[REQUEST_ID_HEADER];
        const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
        response.setHeader(REQUEST_ID_HEADER, id);
        return id;
      },
      customProps: (request: IncomingMessage) => requestBindings(request as RequestWithUser),
      customLogLevel: (_request, response, error): LevelWithSilent => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (request: IncomingMessage) => QUIET_PATHS.test(request.url ?? '') },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-access-token"]',
          'req.headers.cookie',
          'req.headers["proxy-authorization"]',
        ],
        censor: '[REDACTED]',
      },
      serializers: { res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }) },
    },
    target,
  );
}
