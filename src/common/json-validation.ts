import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { DomainError, type ErrorCode } from '@app/common/domain-error';

/**
 * Validation of API request bodies and query strings against the same JSON Schemas that
 * document them in OpenAPI. Message payloads use SchemaService (per-queue schemas) instead.
 */
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false });
addFormats(ajv);
const cache = new WeakMap<object, ValidateFunction>();

export function describeErrors(errors: ErrorObject[] | null | undefined, limit = 50): string {
  return (errors ?? [])
    .slice(0, limit)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`.trim())
    .join('; ');
}

/** Validates (and fills defaults into) `value`; throws `code` (400) with the reasons. */
export function validateInput<T>(schema: object, value: unknown, code: ErrorCode = 'VALIDATION_FAILED', what = 'request'): T {
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    cache.set(schema, validate);
  }
  if (!validate(value)) {
    throw new DomainError(code, `Invalid ${what}: ${describeErrors(validate.errors)}`, validate.errors?.slice(0, 50));
  }
  return value as T;
}

/** Parses a query-string integer within bounds. */
export function queryInt(raw: unknown, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const text = String(raw);
  if (!/^\d+$/.test(text)) throw new DomainError('VALIDATION_FAILED', `${name} must be a whole number between ${min} and ${max}`);
  const value = Number(text);
  if (value < min || value > max) throw new DomainError('VALIDATION_FAILED', `${name} must be between ${min} and ${max}`);
  return value;
}
