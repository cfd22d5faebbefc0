/**
 * Domain errors carry a stable machine-readable `code`; the HTTP status is derived from
 * the code in one place (DomainErrorFilter), never chosen by the code that throws.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  INVALID_QUEUE_DEFINITION: 400,
  INVALID_TOPIC_DEFINITION: 400,
  INVALID_CONNECTION_STRING: 400,
  SQL_HOST_NOT_ALLOWED: 400,
  PLACEHOLDER_NOT_ALLOWED: 400,
  SQL_POOL_SIZE_TOO_LARGE: 400,
  CONNECTION_FAILED: 400,
  STORAGE_ENGINE_NOT_ALLOWED: 400,
  INVALID_CURSOR: 400,
  INVALID_PERMISSION: 400,
  JSON_TOO_DEEP: 400,
  SCHEMA_TOO_COMPLEX: 400,
  SCHEMA_PATTERN_UNSUPPORTED: 400,
  RESERVED_NAME: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  QUEUE_NOT_FOUND: 404,
  TOPIC_NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  NAME_TAKEN: 409,
  MANAGED_BY_CONFIG: 409,
  REQUEST_TIMEOUT: 408,
  RECEIPT_STALE: 409,
  MESSAGE_NOT_LEASED: 409,
  MESSAGE_NOT_IN_ERROR: 409,
  QUEUE_HAS_HANDLER: 409,
  IDEMPOTENCY_KEY_CONFLICT: 409,
  SQL_POOL_LIMIT_REACHED: 409,
  DEAD_LETTER_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MESSAGE_SCHEMA_INVALID: 422,
  RATE_LIMITED: 429,
  TOO_MANY_LONG_POLLS: 429,
  INTERNAL_ERROR: 500,
  STORAGE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** extra top-level fields of the error body, e.g. ajv's `errors` */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
