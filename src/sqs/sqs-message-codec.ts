import { createHash } from 'node:crypto';
import type { QueueDefinition } from '@app/domain/queue';
import { jsonDepthExceeds } from '@app/common/json-depth';
import { SqsError } from '@app/sqs/sqs-error';

/** A message attribute as SQS carries it; BinaryValue is base64 (both wire protocols). */
export interface SqsMessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export type SqsMessageAttributes = Record<string, SqsMessageAttribute>;

/** The reserved field of a stored message that carries an SQS body with message attributes. */
export const ENVELOPE_KEY = '$sqs';

const MAX_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[\x21-\x7e]{1,249})?$/;
// SQS's allowed characters: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF
const FORBIDDEN_CHARACTER = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const EXACT_JSON_MAX_DEPTH = 64;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Has no JSON Schema worth the name: any JSON value is accepted. */
export function isSchemaless(definition: QueueDefinition): boolean {
  const schema = definition.incoming.schema;
  return schema === true || (typeof schema === 'object' && Object.keys(schema).length === 0);
}

export function assertValidBody(body: unknown, label = 'MessageBody'): string {
  if (typeof body !== 'string' || body.length === 0) throw new SqsError('MissingParameter', `The request must contain the parameter ${label}.`);
  if (FORBIDDEN_CHARACTER.test(body)) {
    throw new SqsError(
      'InvalidMessageContents',
      `${label} contains characters outside the allowed set (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF).`,
    );
  }
  return body;
}

/** Checks names, data types and values as SQS does; returns them with the size they add to the message. */
export function validateAttributes(raw: unknown): { attributes: SqsMessageAttributes; bytes: number } {
  if (raw === undefined || raw === null) return { attributes: {}, bytes: 0 };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SqsError('InvalidParameterValue', 'MessageAttributes must be a map of name to value.');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES)
    throw new SqsError('InvalidParameterValue', `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  const attributes: Array<[string, SqsMessageAttribute]> = [];
  let bytes = 0;
  for (const [name, value] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || name.includes('..') || /^(aws\.|amazon\.)/i.test(name) || name === '__proto__') {
      throw new SqsError(
        'InvalidParameterValue',
        `Message attribute name '${name.slice(0, 256)}' is invalid: up to 256 of A-Z a-z 0-9 _ - ., no leading or trailing '.', no '..', not starting with AWS. or Amazon.`,
      );
    }
    const v = (value ?? {}) as Record<string, unknown>;
    const dataType = v.DataType;
    if (typeof dataType !== 'string' || !DATA_TYPE.test(dataType)) {
      throw new SqsError(
        'InvalidParameterValue',
        `The message attribute '${name}' has an invalid DataType: use String, Number or Binary, optionally followed by .<custom type>.`,
      );
    }
    if (dataType.startsWith('Binary')) {
      const binary = v.BinaryValue;
      if (typeof binary !== 'string' || !BASE64.test(binary) || binary.length % 4 !== 0 || binary.length === 0 || v.StringValue !== undefined) {
        throw new SqsError('InvalidParameterValue', `The message attribute '${name}' with type 'Binary' must use field 'BinaryValue' (base64, not empty).`);
      }
      attributes.push([name, { DataType: dataType, BinaryValue: binary }]);
      bytes += Buffer.byteLength(name) + Buffer.byteLength(dataType) + Buffer.from(binary, 'base64').length;
    } else {
      const text = v.StringValue;
      if (typeof text !== 'string' || text.length === 0 || v.BinaryValue !== undefined) {
        throw new SqsError(
          'InvalidParameterValue',
          `The message attribute '${name}' with type '${dataType.split('.')[0]}' must use field 'StringValue' (not empty).`,
        );
      }
      if (FORBIDDEN_CHARACTER.test(text))
        throw new SqsError('InvalidParameterValue', `The message attribute '${name}' contains characters outside the allowed set.`);
      if (
        dataType.startsWith('Number') &&
        (!NUMBER.test(text) ||
          text
            .replace(/^[+-]/, '')
            .replace(/[eE].*$/, '')
            .replace('.', '').length > 38)
      ) {
        throw new SqsError('InvalidParameterValue', `The message attribute '${name}' with type 'Number' must hold a number of up to 38 digits.`);
      }
      attributes.push([name, { DataType: dataType, StringValue: text }]);
      bytes += Buffer.byteLength(name) + Buffer.byteLength(dataType) + Buffer.byteLength(text);
    }
  }
  return { attributes: Object.fromEntries(attributes), bytes };
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * MD5OfMessageAttributes as SQS computes it: for each attribute in name order, the length-prefixed
 * (4 bytes, big-endian) name and data type, a transport byte (1 string, 2 binary), the length-prefixed value.
 */
export function md5OfAttributes(attributes: SqsMessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (!names.length) return undefined;
  const parts: Buffer[] = [];
  for (const name of names) {
    const attribute = attributes[name];
    parts.push(lengthPrefixed(Buffer.from(name, 'utf8')), lengthPrefixed(Buffer.from(attribute.DataType, 'utf8')));
    if (attribute.BinaryValue !== undefined) parts.push(Buffer.from([2]), lengthPrefixed(Buffer.from(attribute.BinaryValue, 'base64')));
    else parts.push(Buffer.from([1]), lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8')));
  }
  return md5Hex(Buffer.concat(parts));
}

/** JSON that re-serialises to exactly the same text (so nothing changes on the way through), else undefined. */
function exactJson(body: string): unknown {
  const first = body[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    // a deeply nested body stays text: JSON.stringify would recurse through every level
    if (jsonDepthExceeds(parsed, EXACT_JSON_MAX_DEPTH) || JSON.stringify(parsed) !== body) return undefined;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && ENVELOPE_KEY in parsed) return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

/**
 * The stored message for an SQS body (see docs/sqs.md "Bodies"): on a queue with a JSON Schema the
 * body must be JSON (validated by the queue afterwards); elsewhere compact JSON objects and arrays
 * are stored as JSON, any other body as a JSON string, and a body with message attributes in the
 * reserved envelope {"$sqs": {body, attributes}}.
 */
export function toStoredRequest(definition: QueueDefinition, body: string, attributes: SqsMessageAttributes, label = 'MessageBody'): unknown {
  const hasAttributes = Object.keys(attributes).length > 0;
  if (!isSchemaless(definition)) {
    if (hasAttributes) {
      throw new SqsError(
        'UnsupportedOperation',
        `Queue ${definition.name} has a JSON Schema: its messages are JSON only, message attributes are not supported on it.`,
      );
    }
    try {
      return JSON.parse(body);
    } catch {
      throw new SqsError(
        'InvalidMessageContents',
        `${label} is not JSON, and queue ${definition.name} has a JSON Schema: its messages must be JSON documents that match it.`,
      );
    }
  }
  if (hasAttributes) return { [ENVELOPE_KEY]: { body, attributes } };
  return exactJson(body) ?? body;
}

/** The SQS body and attributes of a stored message, whoever sent it (SQS or REST): always something SendMessage could have sent. */
export function fromStoredRequest(request: unknown): { body: string; attributes: SqsMessageAttributes } {
  if (request && typeof request === 'object' && !Array.isArray(request)) {
    const envelope = (request as Record<string, unknown>)[ENVELOPE_KEY] as { body?: unknown; attributes?: unknown } | undefined;
    if (
      Object.keys(request).length === 1 &&
      envelope &&
      typeof envelope.body === 'string' &&
      !FORBIDDEN_CHARACTER.test(envelope.body) &&
      envelope.attributes &&
      typeof envelope.attributes === 'object'
    ) {
      const attributes = storedAttributes(envelope.attributes);
      if (attributes) return { body: envelope.body, attributes };
    }
  }
  // a REST string with characters SQS bodies cannot hold (nor XML) is delivered as its JSON text
  if (typeof request === 'string' && !FORBIDDEN_CHARACTER.test(request)) return { body: request, attributes: {} };
  return { body: JSON.stringify(request ?? null), attributes: {} };
}

/** The envelope's attributes when SendMessage would have accepted them; a REST writer can store any JSON there. */
function storedAttributes(raw: unknown): SqsMessageAttributes | null {
  try {
    return validateAttributes(raw).attributes;
  } catch (error) {
    if (error instanceof SqsError) return null;
    throw error;
  }
}

/** MessageAttributeNames: `All`, `.*`, exact names and `prefix.*`. */
export function selectAttributes(attributes: SqsMessageAttributes, names: string[]): SqsMessageAttributes {
  if (!names.length) return {};
  if (names.includes('All') || names.includes('.*')) return attributes;
  return Object.fromEntries(
    Object.entries(attributes).filter(([name]) => names.some((pattern) => (pattern.endsWith('.*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name))),
  );
}
