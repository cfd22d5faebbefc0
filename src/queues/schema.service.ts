import { Injectable, Logger, Optional } from '@nestjs/common';
import Ajv, { type AnySchema, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createHash } from 'node:crypto';
import { DomainError } from '@app/common/domain-error';
import { jsonDepthExceeds } from '@app/common/json-depth';
import { describeErrors } from '@app/common/json-validation';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import type { QueueDefinition } from '@app/domain/queue';
import { isUrl } from '@app/queues/linear-formats';
import { linearRegExp, TooManyPatternsError, UnsupportedPatternError } from '@app/queues/linear-regexp';
import { QueueRegistry } from '@app/queues/queue-registry.service';

const MAX_ERRORS = 50;
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

export type SchemaLimits = Pick<AppConfig, 'schemaMaxBytes' | 'schemaMaxDepth' | 'schemaMaxPatterns'>;

function newValidator(schema: AnySchema, maxPatterns = 0): ValidateFunction {
  const declared = typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  // `$data` stays off: a message must never choose the constraints it is checked against
  const regExp = linearRegExp(maxPatterns);
  const options = { allErrors: true, strict: false, validateFormats: true, loadSchema: undefined, $data: false, code: { regExp } } as const;
  let ajv: Ajv;
  if (declared === undefined || (typeof declared === 'string' && DRAFT_2020.test(declared))) {
    ajv = new Ajv2020(options);
  } else if (typeof declared === 'string' && DRAFT_07.test(declared)) {
    ajv = new Ajv(options);
  } else {
    throw new DomainError('INVALID_QUEUE_DEFINITION', `incoming.schema: unsupported $schema ${JSON.stringify(declared)} (use draft 2020-12 or draft-07)`);
  }
  addFormats(ajv);
  ajv.addFormat('url', isUrl);
  try {
    void ajv.validateSchema({});
    regExp.startCounting();
    return ajv.compile(schema);
  } catch (error) {
    if (error instanceof UnsupportedPatternError) throw new DomainError('SCHEMA_PATTERN_UNSUPPORTED', `incoming.schema: ${error.message}`);
    if (error instanceof TooManyPatternsError) {
      throw new DomainError('SCHEMA_TOO_COMPLEX', `incoming.schema has more than ${error.limit} patterns (pattern and patternProperties; SCHEMA_MAX_PATTERNS)`);
    }
    const reason = (error as Error).message;
    const remote = /can't resolve reference|missing ?ref/i.test(reason);
    throw new DomainError(
      'INVALID_QUEUE_DEFINITION',
      remote ? `incoming.schema: only local $ref is allowed (${reason})` : `incoming.schema is not a valid JSON Schema: ${reason}`,
    );
  }
}

const BOOLEAN_SCHEMAS = { true: newValidator(true), false: newValidator(false) };

interface Compiled {
  /** the schema object last seen for the queue: the same object needs no hashing */
  schema: object;
  fingerprint: string;
  validate: ValidateFunction;
}

/**
 * Compiles each queue's incoming schema once per version of its content (keyed by queue name
 * and a hash of the schema, so re-reading the catalog or a config file, which yields new but
 * equal objects, recompiles nothing) and validates messages. Schemas are bounded in size and
 * depth before ajv sees them, and their patterns run on RE2 (linear time).
 */
@Injectable()
export class SchemaService {
  private readonly logger = new Logger('Schemas');
  private readonly compiled = new Map<string, Compiled>();

  constructor(
    @InjectConfig() private readonly limits: SchemaLimits,
    @Optional() registry?: QueueRegistry,
  ) {
    registry?.onChange((change) => {
      if (change.kind === 'upsert' && change.entry.source === 'file') this.checkFileQueue(change.entry.definition);
      this.forgetRemoved(registry);
    });
  }

  /** Throws SCHEMA_TOO_COMPLEX, SCHEMA_PATTERN_UNSUPPORTED or INVALID_QUEUE_DEFINITION when the schema cannot be used. */
  check(definition: QueueDefinition): void {
    this.validatorFor(definition);
  }

  /** Throws MESSAGE_SCHEMA_INVALID (422) with ajv's errors. `label` prefixes the message, e.g. an index in a batch. */
  validate(definition: QueueDefinition, body: unknown, label?: string): void {
    const validate = this.validatorFor(definition);
    if (validate(body)) return;
    const errors = (validate.errors ?? []).slice(0, MAX_ERRORS);
    const where = label ? `${label}: ` : '';
    throw new DomainError(
      'MESSAGE_SCHEMA_INVALID',
      `${where}message does not match the schema of queue ${definition.name}: ${describeErrors(errors, 5)}`,
      undefined,
      { queue: definition.name, errors },
    );
  }

  private validatorFor(definition: QueueDefinition): ValidateFunction {
    const schema = definition.incoming.schema;
    if (typeof schema === 'boolean') return BOOLEAN_SCHEMAS[`${schema}`];
    const cached = this.compiled.get(definition.name);
    if (cached?.schema === schema) return cached.validate;
    const text = this.assertWithinLimits(schema);
    const fingerprint = createHash('sha256').update(text).digest('base64url');
    if (cached?.fingerprint === fingerprint) {
      cached.schema = schema;
      return cached.validate;
    }
    const validate = newValidator(schema, this.limits.schemaMaxPatterns);
    this.compiled.set(definition.name, { schema, fingerprint, validate });
    return validate;
  }

  /**
   * Throws SCHEMA_TOO_COMPLEX when a schema is deeper than SCHEMA_MAX_DEPTH or larger than
   * SCHEMA_MAX_BYTES; cheap (no compile), so a definition is checked before anything else is done
   * with it. Returns the schema as JSON.
   */
  assertWithinLimits(schema: unknown): string {
    if (jsonDepthExceeds(schema, this.limits.schemaMaxDepth)) {
      throw new DomainError('SCHEMA_TOO_COMPLEX', `incoming.schema is nested more than ${this.limits.schemaMaxDepth} levels deep (SCHEMA_MAX_DEPTH)`);
    }
    const text = JSON.stringify(schema) ?? '';
    const bytes = Buffer.byteLength(text);
    if (bytes > this.limits.schemaMaxBytes) {
      throw new DomainError('SCHEMA_TOO_COMPLEX', `incoming.schema is ${bytes} bytes as JSON; the limit is ${this.limits.schemaMaxBytes} (SCHEMA_MAX_BYTES)`);
    }
    return text;
  }

  /** Validators of queues that no longer exist (or were only checked, never created) are dropped. */
  /** A config file's schema is compiled when the file is read, so a schema that cannot be used is reported then, not at its first push. */
  private checkFileQueue(definition: QueueDefinition): void {
    try {
      this.validatorFor(definition);
    } catch (error) {
      const code = error instanceof DomainError ? error.code : undefined;
      this.logger.error(
        { queue: definition.name, code, err: error as Error },
        'queue config file has an unusable schema; every push to it is refused until the file is fixed',
      );
    }
  }

  private forgetRemoved(registry: QueueRegistry): void {
    for (const name of this.compiled.keys()) if (!registry.get(name)) this.compiled.delete(name);
  }
}
