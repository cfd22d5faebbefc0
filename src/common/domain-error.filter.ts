import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, ERROR_STATUS, type ErrorCode } from '@app/common/domain-error';

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  details?: unknown;
  [extra: string]: unknown;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const HTTP_STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SHUTTING_DOWN',
};

/** Retry-After for errors that do not set their own: a queue's storage is checked again every 5 s. */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = { STORAGE_UNAVAILABLE: 5 };

/** Errors thrown by body-parser carry a `type` and a status. */
interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof DomainError) {
    return {
      statusCode: exception.status,
      error: REASONS[exception.status] ?? 'Error',
      code: exception.code,
      message: exception.message,
      ...(exception.details === undefined ? {} : { details: exception.details }),
      ...exception.extra,
    };
  }
  // Nest's Express adapter wraps body-parser errors in an HttpException with the original as `cause`.
  const parserError = (exception instanceof HttpException && exception.cause ? exception.cause : exception) as BodyParserError;
  if (parserError?.type === 'entity.parse.failed') return make('MALFORMED_JSON', 'The request body is not valid JSON');
  if (parserError?.type === 'entity.too.large') return make('PAYLOAD_TOO_LARGE', 'The request body is larger than allowed');
  if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
    return make('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding');
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = HTTP_STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED');
    return { statusCode: status, error: REASONS[status] ?? 'Error', code, message: exception.message };
  }
  return make('INTERNAL_ERROR', 'Internal server error');
}

function make(code: ErrorCode, message: string): ErrorBody {
  const status = ERROR_STATUS[code];
  return { statusCode: status, error: REASONS[status], code, message };
}

/** The one place where errors become HTTP responses. */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(exception);
    if (body.statusCode >= 500 && !(exception instanceof DomainError)) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (response.headersSent) return;
    const retryAfter = exception instanceof DomainError ? (exception.extra?.retryAfterSeconds ?? RETRY_AFTER_SECONDS[exception.code]) : undefined;
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    response.status(body.statusCode).json(body);
  }
}
