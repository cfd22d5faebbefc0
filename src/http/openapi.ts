import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { errorResponseSchema, schemaErrorResponseSchema, type ApiSchemaName } from '@app/common/api-schemas';
import { ERROR_STATUS, type ErrorCode } from '@app/common/domain-error';
import {
  ackBatchBodySchema,
  ackBatchResponseSchema,
  ackBodySchema,
  leaseBodySchema,
  leasedMessageViewSchema,
  receiveBodySchema,
  receiveResponseSchema,
} from '@app/messages/consumers/consumers.schemas';
import { deduplicatedViewSchema, messagePageSchema, messageViewSchema } from '@app/messages/message.view';
import { batchBodySchema, batchResultSchema } from '@app/messages/push.schemas';
import { purgeBodySchema, purgeResponseSchema, redriveBodySchema, redriveResponseSchema } from '@app/messages/queue-operations.schemas';
import { queueDefinitionInputSchema, queueListSchema, queueStatsSchema, queueViewSchema } from '@app/queues/queue.schemas';
import { grantListSchema, grantSchema, meSchema } from '@app/security/security.schemas';
import { publishResultSchema, topicInputSchema, topicListSchema, topicViewSchema } from '@app/topics/topic.schemas';

type Schema = Record<string, unknown>;

/**
 * The named schemas: the same objects ajv validates requests with, so the document cannot drift
 * from what the service accepts. A schema nested in another (a Queue in a QueueList) becomes a $ref.
 */
const COMPONENTS: Record<ApiSchemaName, object> = {
  Error: errorResponseSchema,
  SchemaError: schemaErrorResponseSchema,
  QueueDefinition: queueDefinitionInputSchema,
  Queue: queueViewSchema,
  QueueList: queueListSchema,
  Stats: queueStatsSchema,
  Message: messageViewSchema,
  DeduplicatedMessage: deduplicatedViewSchema,
  MessageList: messagePageSchema,
  PushBatchRequest: batchBodySchema,
  PushBatchResult: batchResultSchema,
  LeasedMessage: leasedMessageViewSchema,
  ReceiveRequest: receiveBodySchema,
  ReceiveResult: receiveResponseSchema,
  AckRequest: ackBodySchema,
  AckBatchRequest: ackBatchBodySchema,
  AckBatchResult: ackBatchResponseSchema,
  LeaseRequest: leaseBodySchema,
  PurgeRequest: purgeBodySchema,
  PurgeResult: purgeResponseSchema,
  RedriveRequest: redriveBodySchema,
  RedriveResult: redriveResponseSchema,
  TopicDefinition: topicInputSchema,
  Topic: topicViewSchema,
  TopicList: topicListSchema,
  PublishResult: publishResultSchema,
  Grant: grantSchema,
  GrantList: grantListSchema,
  Me: meSchema,
};

/** Answers any route with a request body may give (the body parser's, before the route runs). */
const BODY_RESPONSES: Record<string, string> = {
  '400': 'MALFORMED_JSON, VALIDATION_FAILED or JSON_TOO_DEEP',
  '408': 'REQUEST_TIMEOUT: the body paused longer than HTTP_BODY_IDLE_TIMEOUT_SECONDS',
  '413': 'PAYLOAD_TOO_LARGE: the body is larger than MESSAGE_MAX_BYTES',
  '415': 'UNSUPPORTED_MEDIA_TYPE: bodies must be JSON (Content-Type: application/json)',
};

const ERROR_REF = '#/components/schemas/Error';
const CODE_PATTERN = /\b[A-Z][A-Z_]+[A-Z]\b/g;

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Mailroom')
      .setDescription(
        'Durable message queues with JSON Schema validation, handlers, topics and pull consumers. Errors share one envelope with a stable `code`.',
      )
      .setVersion('1')
      .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
      .addServer('/', 'this Mailroom')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-access-token', description: 'the JWT, Elemental style' }, 'x-access-token')
      .build(),
  );
  document.components = { ...document.components, schemas: componentSchemas() };
  for (const methods of Object.values(document.paths)) {
    for (const operation of Object.values(methods) as Schema[]) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      completeResponses(operation);
    }
  }
  return toOpenApi30(document) as OpenAPIObject;
}

export function componentSchemas(): Record<string, Schema> {
  const named = new Map<object, string>(Object.entries(COMPONENTS).map(([name, schema]) => [schema, name]));
  const schemas: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(COMPONENTS)) schemas[name] = withRefs(schema, named, true) as Schema;
  return schemas;
}

/** A copy of `schema` in which every named schema it contains is a $ref. */
function withRefs(schema: unknown, named: Map<object, string>, top = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => withRefs(item, named));
  if (!schema || typeof schema !== 'object') return schema;
  const name = named.get(schema);
  if (name && !top) return { $ref: `#/components/schemas/${name}` };
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, withRefs(value, named)]));
}

function completeResponses(operation: Schema): void {
  const responses = operation.responses as Record<string, Schema>;
  if (operation.requestBody) {
    for (const [status, description] of Object.entries(BODY_RESPONSES))
      responses[status] ??= { description, content: { 'application/json': { schema: { $ref: ERROR_REF } } } };
  }
  for (const [status, response] of Object.entries(responses)) {
    const content = response.content as Record<string, { schema?: Schema }> | undefined;
    const json = content?.['application/json'];
    if (json?.schema?.$ref !== ERROR_REF) continue;
    const codes = namedCodes(String(response.description ?? ''), Number(status));
    if (codes.length) json.schema = { allOf: [{ $ref: ERROR_REF }, { type: 'object', properties: { code: { type: 'string', enum: codes } } }] };
  }
}

/** The error codes a response's description names that answer with its status. */
export function namedCodes(description: string, status: number): ErrorCode[] {
  const words = description.match(CODE_PATTERN) ?? [];
  return [...new Set(words.filter((word) => ERROR_STATUS[word as ErrorCode] === status) as ErrorCode[])];
}

/**
 * JSON Schema keywords OpenAPI 3.0 does not have, rewritten: `propertyNames` goes, `nullable`
 * needs a `type`, an object without `properties` takes any property, and `default` moves into
 * the description (generators such as openapi-typescript make a property with a default
 * required, which would refuse the bodies the service accepts).
 */
export function toOpenApi30(node: unknown, key?: string): unknown {
  if (Array.isArray(node)) return node.map((item) => toOpenApi30(item));
  if (!node || typeof node !== 'object' || (key !== undefined && ['example', 'examples', 'enum', 'default'].includes(key))) return node;
  const entries = Object.entries(node).map(
    ([k, v]) => [k, ['properties', 'paths', 'responses', 'schemas', 'content', 'headers'].includes(k) ? mapValues(v) : toOpenApi30(v, k)] as const,
  );
  const result: Schema = Object.fromEntries(entries);
  if (!isSchema(result)) return result;
  delete result.propertyNames;
  if (result.nullable && result.type === undefined) delete result.nullable;
  if (result.type === 'object' && result.properties === undefined && result.additionalProperties === undefined) result.additionalProperties = true;
  if ('default' in result && result.type !== undefined) {
    const description = typeof result.description === 'string' ? `${result.description.replace(/\.?$/, '.')} ` : '';
    result.description = `${description}Default: \`${JSON.stringify(result.default)}\`.`;
    delete result.default;
  }
  return result;
}

function mapValues(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return toOpenApi30(value);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toOpenApi30(v)]));
}

function isSchema(node: Schema): boolean {
  return 'type' in node || 'nullable' in node || 'properties' in node || 'oneOf' in node || 'allOf' in node || 'propertyNames' in node;
}
