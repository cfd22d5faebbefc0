import { Logger } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import { normalizeQueueDefinition } from '@app/queues/queue-definition';
import type { QueueChange, QueueEntry } from '@app/queues/queue-registry.service';
import { SchemaService } from '@app/queues/schema.service';
import type { QueueDefinition } from '@app/domain/queue';

const LIMITS = { schemaMaxBytes: 65536, schemaMaxDepth: 32, schemaMaxPatterns: 32 };

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
    schemas = new SchemaService(LIMITS);
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
    const compile = jest.spyOn(Ajv2020.prototype, 'compile');
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

  it('recompiles nothing when the catalog is re-read and only the changed queue when one changes', () => {
    const compile = jest.spyOn(Ajv2020.prototype, 'compile');
    const schemaOf = (n: number) => ({ type: 'object', required: [`f${n}`], properties: { s: { type: 'string', pattern: '^[a-z]+$' } } });
    const read = (changed: string | null) =>
      ['a', 'b', 'c'].map((name) => normalizeQueueDefinition({ name, incoming: { schema: name === changed ? schemaOf(99) : schemaOf(1) } }, 1));
    for (const definition of read(null)) schemas.validate(definition, { f1: 1 });
    expect(compile).toHaveBeenCalledTimes(3);
    // every catalog read yields new, equal objects
    for (const definition of read(null)) schemas.validate(definition, { f1: 1 });
    expect(compile).toHaveBeenCalledTimes(3);
    const changed = read('b');
    for (const definition of changed) expect(() => schemas.validate(definition, definition.name === 'b' ? { f99: 1 } : { f1: 1 })).not.toThrow();
    expect(compile).toHaveBeenCalledTimes(4);
    compile.mockRestore();
  });

  it('runs patterns in linear time: a catastrophic-backtracking pattern answers at once, right', () => {
    const definition = withSchema({
      type: 'object',
      properties: { s: { type: 'string', pattern: '^(a+)+$' } },
      patternProperties: { '^(x+x+)+y$': { type: 'number' } },
    });
    const started = performance.now();
    expect(schemaError(() => schemas.validate(definition, { s: `${'a'.repeat(5000)}b` })).code).toBe('MESSAGE_SCHEMA_INVALID');
    expect(() => schemas.validate(definition, { s: 'a'.repeat(5000) })).not.toThrow();
    expect(() => schemas.validate(definition, { [`${'x'.repeat(5000)}`]: 'not checked: no y' })).not.toThrow();
    expect(schemaError(() => schemas.validate(definition, { [`${'x'.repeat(5000)}y`]: 'a string' })).code).toBe('MESSAGE_SCHEMA_INVALID');
    // the backtracking engine needs longer than the age of the universe for these; RE2 milliseconds
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('keeps the semantics of ordinary patterns (unicode escapes, classes, anchors, unanchored search)', () => {
    const definition = withSchema({
      type: 'object',
      properties: { a: { pattern: '^\\u00e9\\d{2}$' }, b: { pattern: 'needle' }, c: { pattern: '^[\\w.-]+@[a-z]+\\.[a-z]{2,}$' } },
    });
    expect(() => schemas.validate(definition, { a: 'é12', b: 'hay needle hay', c: 'a.b-c@example.org' })).not.toThrow();
    expect(schemaError(() => schemas.validate(definition, { a: 'e12' })).code).toBe('MESSAGE_SCHEMA_INVALID');
    expect(schemaError(() => schemas.validate(definition, { b: 'hay' })).code).toBe('MESSAGE_SCHEMA_INVALID');
    expect(schemaError(() => schemas.validate(definition, { c: 'a b@example.org' })).code).toBe('MESSAGE_SCHEMA_INVALID');
  });

  it.each([
    ['a numbered backreference', '^(a)\\1$'],
    ['a named backreference', '^(?<x>a)\\k<x>$'],
    ['a lookahead', '^(?=a)a$'],
    ['a negative lookbehind', '(?<!a)b'],
  ])('refuses %s as SCHEMA_PATTERN_UNSUPPORTED, in pattern and patternProperties', (_, pattern) => {
    expect(schemaError(() => schemas.check(withSchema({ properties: { s: { pattern } } }))).code).toBe('SCHEMA_PATTERN_UNSUPPORTED');
    expect(schemaError(() => schemas.check(withSchema({ patternProperties: { [pattern]: {} } }))).code).toBe('SCHEMA_PATTERN_UNSUPPORTED');
  });

  it('refuses a pattern that is not an ECMA-262 regex', () => {
    expect(schemaError(() => schemas.check(withSchema({ pattern: '(?i)abc' }))).code).toBe('SCHEMA_PATTERN_UNSUPPORTED');
  });

  it('refuses schemas over SCHEMA_MAX_BYTES, SCHEMA_MAX_DEPTH or SCHEMA_MAX_PATTERNS with SCHEMA_TOO_COMPLEX', () => {
    const big = withSchema({ type: 'object', properties: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`p${i}`, { type: 'string' }])) });
    expect(schemaError(() => schemas.check(big)).message).toMatch(/SCHEMA_MAX_BYTES/);
    const nested = (levels: number) => {
      let schema: object = { type: 'string' };
      for (let i = 1; i < levels; i++) schema = { items: schema };
      return schema;
    };
    expect(() => schemas.check(withSchema(nested(32)))).not.toThrow();
    const tooDeep = schemaError(() => schemas.check(withSchema(nested(33))));
    expect(tooDeep.code).toBe('SCHEMA_TOO_COMPLEX');
    expect(tooDeep.message).toMatch(/SCHEMA_MAX_DEPTH/);
    // deep enough to overflow the stack of anything recursive: refused before anything recurses into it
    expect(schemaError(() => schemas.check(withSchema(nested(2500)))).code).toBe('JSON_TOO_DEEP');
    const patterns = withSchema({ properties: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`p${i}`, { pattern: `^${i}$` }])) });
    const tooMany = schemaError(() => schemas.check(patterns));
    expect(tooMany.code).toBe('SCHEMA_TOO_COMPLEX');
    expect(tooMany.message).toMatch(/SCHEMA_MAX_PATTERNS/);
    expect(() =>
      schemas.check(withSchema({ properties: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`p${i}`, { pattern: `^${i}$` }])) })),
    ).not.toThrow();
  });

  it('keeps $data off: a message cannot choose its own limits', () => {
    const error = schemaError(() => schemas.check(withSchema({ type: 'object', properties: { n: { type: 'number', maximum: { $data: '1/max' } } } })));
    expect(error.code).toBe('INVALID_QUEUE_DEFINITION');
  });

  it('checks the url format in linear time, with its private-address exclusions', () => {
    const definition = withSchema({ type: 'string', format: 'url' });
    expect(() => schemas.validate(definition, 'https://user@example.com:8080/path?q=1')).not.toThrow();
    expect(schemaError(() => schemas.validate(definition, 'http://10.0.0.1/')).code).toBe('MESSAGE_SCHEMA_INVALID');
    expect(schemaError(() => schemas.validate(definition, 'example.com')).code).toBe('MESSAGE_SCHEMA_INVALID');
    const started = performance.now();
    // ajv-formats' own regex took 4.6 s for 50,000 characters of this (quadratic)
    expect(schemaError(() => schemas.validate(definition, `http://${':@'.repeat(100_000)}!`)).code).toBe('MESSAGE_SCHEMA_INVALID');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("compiles a config file's schema when the file is read, and logs one that cannot be used", () => {
    const listeners: Array<(change: QueueChange) => void> = [];
    const entries = new Map<string, QueueEntry>();
    const registry = { onChange: (listener: (change: QueueChange) => void) => listeners.push(listener), get: (name: string) => entries.get(name) };
    const withRegistry = new SchemaService(LIMITS, registry as never);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const compile = jest.spyOn(Ajv2020.prototype, 'compile');
    const upsert = (name: string, schema: unknown) => {
      const entry: QueueEntry = {
        definition: normalizeQueueDefinition({ name, incoming: { schema } }, 1),
        source: 'file',
        handlerPath: null,
        handlerVersion: 0,
      };
      entries.set(name, entry);
      for (const listener of listeners) listener({ kind: 'upsert', entry });
      return entry.definition;
    };
    const good = upsert('good', { type: 'object', required: ['a'] });
    expect(compile).toHaveBeenCalledTimes(1);
    expect(() => withRegistry.validate(good, { a: 1 })).not.toThrow();
    expect(compile).toHaveBeenCalledTimes(1);
    upsert('bad', { properties: { s: { pattern: '^(a)\\1$' } } });
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({
        queue: 'bad',
        code: 'SCHEMA_PATTERN_UNSUPPORTED',
        err: expect.objectContaining({ message: expect.stringContaining('backreferences') }),
      }),
      expect.stringContaining('every push to it is refused'),
    );
    compile.mockRestore();
    error.mockRestore();
  });
});
