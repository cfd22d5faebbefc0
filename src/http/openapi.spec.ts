import { componentSchemas, namedCodes, toOpenApi30 } from '@app/http/openapi';

describe('OpenAPI document helpers', () => {
  it('rewrites what OpenAPI 3.0 lacks and leaves property names, examples and enums alone', () => {
    const schema = {
      type: 'object',
      properties: {
        default: { type: 'string', nullable: true },
        anything: { description: 'any JSON', nullable: true },
        tags: { type: 'object', propertyNames: { maxLength: 128 }, additionalProperties: { type: 'string' } },
        retries: { type: 'integer', default: 3, description: 'how often' },
        free: { type: 'object' },
        mode: { type: 'string', enum: ['a', 'b'], example: { type: 'object', default: 1 } },
      },
    };
    expect(toOpenApi30({ components: { schemas: { S: schema } } })).toEqual({
      components: {
        schemas: {
          S: {
            type: 'object',
            properties: {
              default: { type: 'string', nullable: true },
              anything: { description: 'any JSON' },
              tags: { type: 'object', additionalProperties: { type: 'string' } },
              retries: { type: 'integer', description: 'how often. Default: `3`.' },
              free: { type: 'object', additionalProperties: true },
              mode: { type: 'string', enum: ['a', 'b'], example: { type: 'object', default: 1 } },
            },
          },
        },
      },
    });
    expect(schema.properties.retries.default).toBe(3);
  });

  it('takes from a description only the codes that answer with the status', () => {
    expect(namedCodes('MALFORMED_JSON, VALIDATION_FAILED or JSON_TOO_DEEP (MESSAGE_MAX_DEPTH); QUEUE_NOT_FOUND is 404', 400)).toEqual([
      'MALFORMED_JSON',
      'VALIDATION_FAILED',
      'JSON_TOO_DEEP',
    ]);
    expect(namedCodes('TOPIC_NOT_FOUND or QUEUE_NOT_FOUND\n\nTOPIC_NOT_FOUND', 404)).toEqual(['TOPIC_NOT_FOUND', 'QUEUE_NOT_FOUND']);
    expect(namedCodes('the lease expired', 409)).toEqual([]);
  });

  it('names every component and refers to a named schema nested in another', () => {
    const schemas = componentSchemas();
    expect(schemas.QueueList.properties).toMatchObject({ items: { items: { $ref: '#/components/schemas/Queue' } } });
    expect(schemas.ReceiveResult.properties).toMatchObject({ messages: { items: { $ref: '#/components/schemas/LeasedMessage' } } });
    expect(schemas.Queue.required).toContain('delivery');
  });
});
