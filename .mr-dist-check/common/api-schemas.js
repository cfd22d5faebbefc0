"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.schemaErrorResponseSchema = exports.errorResponseSchema = void 0;
exports.errorResponseSchema = {
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
exports.schemaErrorResponseSchema = {
    type: 'object',
    properties: {
        ...exports.errorResponseSchema.properties,
        code: { type: 'string', example: 'MESSAGE_SCHEMA_INVALID' },
        queue: { type: 'string' },
        errors: { type: 'array', maxItems: 50, items: { type: 'object' }, description: "ajv's error objects" },
    },
};
//# sourceMappingURL=api-schemas.js.map