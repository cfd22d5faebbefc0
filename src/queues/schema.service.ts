import { Injectable } from '@nestjs/common';
import Ajv, { type AnySchema, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { DomainError } from '@app/common/domain-error';
import { describeErrors } from '@app/common/json-validation';
import type { QueueDefinition } from '@app/storage/ports/catalog.types';

const MAX_ERRORS = 50;
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

function newValidator(schema: AnySchema): ValidateFunction {
  const declared = typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  const options = { allErrors: true, strict: false, validateFormats: true, loadSchema: undefined } as const;
  let ajv: Ajv;
  if (declared === undefined || (typeof declared === 'string' && DRAFT_2020.test(declared))) {
    ajv = new Ajv2020(options);
  } else if (typeof declared === 'string' && DRAFT_07.test(declared)) {
    ajv = new Ajv(options);
  } else {
    throw new DomainError('INVALID_QUEUE_DEFINITION', `incoming.schema: unsupported $schema ${JSON.stringify(declared)} (use draft 2020-12 or draft-07)`);
  }
  addFormats(ajv);
  try {
    return ajv.compile(schema);
  } catch (error) {
    const reason = (error as Error).message;
    const remote = /can't resolve reference|missing ?ref/i.test(reason);
    throw new DomainError(
      'INVALID_QUEUE_DEFINITION',
      remote ? `incoming.schema: only local $ref is allowed (${reason})` : `incoming.schema is not a valid JSON Schema: ${reason}`,
    );
  }
}

const BOOLEAN_SCHEMAS = { true: newValidator(true), false: newValidator(false) };

/**
 * Compiles each queue's incoming schema once per definition (keyed by the schema object, so a
 * changed definition compiles its new schema and a dropped one is garbage-collected) and validates messages.
 */
@Injectable()
export class SchemaService {
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  /** Throws INVALID_QUEUE_DEFINITION when the schema cannot be compiled. */
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
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = newValidator(schema as AnySchema);
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}
