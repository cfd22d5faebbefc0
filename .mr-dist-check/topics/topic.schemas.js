"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.publishResultSchema = exports.topicListSchema = exports.topicViewSchema = exports.topicInputSchema = void 0;
const queue_schemas_1 = require("../queues/queue.schemas.js");
exports.topicInputSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
        name: { type: 'string', pattern: queue_schemas_1.NAME_PATTERN, example: 'order-events', description: 'shares one namespace with queues' },
        queues: { type: 'array', items: { type: 'string', pattern: queue_schemas_1.NAME_PATTERN }, maxItems: 1000, uniqueItems: true, default: [], description: 'queues to bind at once' },
    },
};
exports.topicViewSchema = {
    type: 'object',
    properties: {
        name: { type: 'string' },
        source: { type: 'string', enum: ['file', 'api'] },
        queues: { type: 'array', items: { type: 'string' }, description: 'bound queues, by name' },
        createdAt: { type: 'string', format: 'date-time', nullable: true, description: 'null for topics defined by a file' },
    },
};
exports.topicListSchema = {
    type: 'object',
    properties: { items: { type: 'array', items: exports.topicViewSchema }, nextCursor: { type: 'string', nullable: true } },
};
exports.publishResultSchema = {
    type: 'object',
    properties: {
        topic: { type: 'string' },
        messages: {
            type: 'array',
            items: { type: 'object', properties: { queue: { type: 'string' }, id: { type: 'string', format: 'uuid' } } },
            description: 'one message per bound queue (empty when no queue is bound)',
        },
    },
};
//# sourceMappingURL=topic.schemas.js.map