import { normalizeQueueDefinition } from '@app/queues/queue-definition';
import { SchemaService } from '@app/queues/schema.service';
import type { QueueDefinition } from '@app/storage/ports/catalog.types';

function withSchema(schema: unknown, updatedAt = 1): QueueDefinition {
  return normalizeQueueDefinition({ name: 'orders', incoming: { schema } }, updatedAt);
}

function schemaError(fn: () => void): { code: string; extra?: { errors: unknown[] }; message: string } {
  try {
    fn();
  } catch (error) {
    return error as never;
  }
  throw new Error('expected an error');
}

describe('SchemaService', () => {
  let schemas: SchemaService;
  beforeEach(() => {
    schemas = new SchemaService();
  });

  it('accepts a valid message and refuses an invalid one with 422 MESSAGE_SCHEMA_INVALID and ajv errors', () => {
    const definition = withSchema({ type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } });
    expect(() => schemas.validate(definition, { sku: 'A1' })).not.toThrow();
    const error = schemaError(() => schemas.validate(definition, { qty: 1 }));
    expect(error.code).toBe('MESSAGE_SCHEMA_INVALID');
    expect(error.extra?.errors).toEqual([expect.objectContaining({ keyword: 'required', params: { missingProperty: 'sku' } })]);
  });

  it('collects all errors but returns at most 50', () => {
    const properties = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`p${i}`, { type: 'string' }]));
    const definition = withSchema({ type: 'object', properties });
    const body = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`p${i}`, i]));
    const error = schemaError(() => schemas.validate(definition, body));
    expect(error.extra?.errors).toHaveLength(50);
  });

  it('uses draft 2020-12 by default (prefixItems) and draft-07 when declared (items as array)', () => {
    const modern = withSchema({ type: 'array', prefixItems: [{ type: 'number' }], items: false });
    expect(() => schemas.validate(modern, [1])).not.toThrow();
    expect(schemaError(() => schemas.validate(modern, [1, 2])).code).toBe('MESSAGE_SCHEMA_INVALID');

    const legacy = withSchema({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: [{ type: 'number' }], additionalItems: false });
    expect(() => schemas.validate(legacy, [1])).not.toThrow();
    expect(schemaError(() => schemas.validate(legacy, [1, 2])).code).toBe('MESSAGE_SCHEMA_INVALID');
  });

  it('checks formats', () => {
    const definition = withSchema({ type: 'object', properties: { email: { type: 'string', format: 'email' }, at: { type: 'string', format: 'date-time' } } });
    expect(() => schemas.validate(definition, { email: 'a@example.com', at: '2026-01-01T00:00:00Z' })).not.toThrow();
    expect(schemaError(() => schemas.validate(definition, { email: 'not-an-email' })).code).toBe('MESSAGE_SCHEMA_INVALID');
    expect(schemaError(() => schemas.validate(definition, { at: 'yesterday' })).code).toBe('MESSAGE_SCHEMA_INVALID');
  });

  it('allows local $ref and refuses a remote one as an invalid definition', () => {
    const local = withSchema({ $defs: { sku: { type: 'string' } }, type: 'object', properties: { sku: { $ref: '#/$defs/sku' } } });
    expect(() => schemas.check(local)).not.toThrow();
    expect(schemaError(() => schemas.validate(local, { sku: 1 })).code).toBe('MESSAGE_SCHEMA_INVALID');

    const remote = withSchema({ type: 'object', properties: { sku: { $ref: 'http://127.0.0.2/schemas/sku.json' } } });
    const error = schemaError(() => schemas.check(remote));
    expect(error.code).toBe('INVALID_QUEUE_DEFINITION');
    expect(error.message).toMatch(/only local \$ref/);
  });

  it('refuses an unknown $schema dialect and an uncompilable schema', () => {
    expect(schemaError(() => schemas.check(withSchema({ $schema: 'http://json-schema.org/draft-04/schema#' }))).code).toBe('INVALID_QUEUE_DEFINITION');
    expect(schemaError(() => schemas.check(withSchema({ type: 'no-such-type' }))).code).toBe('INVALID_QUEUE_DEFINITION');
  });

  it('compiles a schema once per definition version', () => {
    const v1 = withSchema({ type: 'object', required: ['a'] }, 1);
    const compile = jest.spyOn(require('ajv/dist/2020').default.prototype, 'compile');
    schemas.validate(v1, { a: 1 });
    schemas.validate(v1, { a: 2 });
    expect(compile).toHaveBeenCalledTimes(1);
    const v2 = withSchema({ type: 'object', required: ['b'] }, 2);
    expect(() => schemas.validate(v2, { b: 1 })).not.toThrow();
    expect(schemaError(() => schemas.validate(v2, { a: 1 })).code).toBe('MESSAGE_SCHEMA_INVALID');
    expect(compile).toHaveBeenCalledTimes(2);
    compile.mockRestore();
  });

  it('labels batch errors with the index', () => {
    const definition = withSchema({ type: 'object', required: ['sku'] });
    expect(schemaError(() => schemas.validate(definition, {}, 'messages[3]')).message).toMatch(/^messages\[3\]: /);
  });
});
