"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.receiveResponseSchema = exports.leasedMessageViewSchema = exports.leaseBodySchema = exports.ackBodySchema = exports.receiveBodySchema = exports.ACK_OUTCOMES = exports.MAX_VISIBILITY_SECONDS = void 0;
const messages_service_1 = require("./messages.service.js");
const message_view_1 = require("./message.view.js");
const queue_schemas_1 = require("../queues/queue.schemas.js");
exports.MAX_VISIBILITY_SECONDS = 43_200;
exports.ACK_OUTCOMES = ['complete', 'error', 'return_to_queue', 'return_to_end_of_queue', 'send_to_another_queue'];
const receipt = { type: 'string', minLength: 1, maxLength: 200, description: 'the receipt of the delivery being acknowledged' };
const visibility = { type: 'integer', minimum: 1, maximum: exports.MAX_VISIBILITY_SECONDS };
exports.receiveBodySchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
        maxMessages: { type: 'integer', minimum: 1, maximum: 50, default: 5 },
        visibilityTimeoutSeconds: { ...visibility, description: "how long the messages stay leased; default: the queue's delivery.visibilityTimeoutSeconds" },
        waitSeconds: { type: 'integer', minimum: 0, maximum: 20, default: 0, description: 'long polling: answer as soon as a message is available, or empty after this many seconds' },
    },
};
exports.ackBodySchema = {
    type: 'object',
    additionalProperties: false,
    required: ['receipt', 'outcome'],
    properties: {
        receipt,
        outcome: { type: 'string', enum: [...exports.ACK_OUTCOMES] },
        result: { description: 'stored as the result (outcome complete)' },
        error: {
            description: 'stored as the error (outcome error); a string becomes {name: "ConsumerError", message}',
            oneOf: [
                { type: 'string', maxLength: 10_000 },
                { type: 'object', required: ['message'], properties: { name: { type: 'string', maxLength: 200 }, message: { type: 'string', maxLength: 10_000 } } },
            ],
        },
        queue: { type: 'string', pattern: queue_schemas_1.NAME_PATTERN, description: 'the target queue (required with outcome send_to_another_queue)' },
        delaySeconds: { type: 'integer', minimum: 0, maximum: messages_service_1.MAX_DELAY_SECONDS, description: 'return_to_queue / return_to_end_of_queue: deliverable again after this delay' },
    },
};
exports.leaseBodySchema = {
    type: 'object',
    additionalProperties: false,
    required: ['receipt', 'visibilityTimeoutSeconds'],
    properties: { receipt, visibilityTimeoutSeconds: { ...visibility, description: 'the lease now ends this many seconds from now' } },
};
exports.leasedMessageViewSchema = {
    type: 'object',
    properties: {
        ...message_view_1.messageViewSchema.properties,
        receipt: { type: 'string', description: 'identifies this delivery: pass it to ack and lease' },
        leaseExpiresAt: { type: 'string', format: 'date-time' },
    },
};
exports.receiveResponseSchema = {
    type: 'object',
    properties: { messages: { type: 'array', items: exports.leasedMessageViewSchema } },
};
//# sourceMappingURL=consumers.schemas.js.map