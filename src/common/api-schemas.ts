/** OpenAPI schemas shared by several modules. */
export const errorResponseSchema = {
  type: 'object',
  required: ['statusCode', 'error', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 404 },
    error: { type: 'string', example: 'Not Found' },
    code: { type: 'string', example: 'QUEUE_NOT_FOUND', description: 'stable machine-readable code' },
    message: { type: 'string' },
    details: { description: 'extra information, when there is any' },
  },
};

export const schemaErrorResponseSchema = {
  type: 'object',
  properties: {
    ...errorResponseSchema.properties,
    code: { type: 'string', example: 'MESSAGE_SCHEMA_INVALID' },
    queue: { type: 'string' },
    errors: { type: 'array', maxItems: 50, items: { type: 'object' }, description: "ajv's error objects" },
  },
};
