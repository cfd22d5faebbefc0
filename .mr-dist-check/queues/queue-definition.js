"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.normalizeQueueDefinition = normalizeQueueDefinition;
const json_validation_1 = require("../common/json-validation.js");
const domain_error_1 = require("../common/domain-error.js");
const queue_schemas_1 = require("./queue.schemas.js");
function normalizeQueueDefinition(raw, now, createdAt = now) {
    const input = (0, json_validation_1.validateInput)(queue_schemas_1.queueDefinitionInputSchema, structuredClone(raw ?? null), 'INVALID_QUEUE_DEFINITION', 'queue definition');
    if (input.storageEngine === 'filesystem' && input.connectionString) {
        throw new domain_error_1.DomainError('INVALID_QUEUE_DEFINITION', 'connectionString is only allowed with storageEngine "sql"');
    }
    if (input.delivery?.deadLetterQueue === input.name) {
        throw new domain_error_1.DomainError('INVALID_QUEUE_DEFINITION', 'deadLetterQueue cannot be the queue itself');
    }
    return {
        name: input.name,
        storageEngine: input.storageEngine,
        connectionString: input.connectionString ?? null,
        client_id: input.client_id ?? null,
        roles: { needsRole: true, replace: false, roles: [], ...input.roles },
        incoming: { schema: input.incoming?.schema ?? {} },
        delivery: {
            visibilityTimeoutSeconds: 30,
            maxAttempts: 1,
            backoffSeconds: 5,
            handlerTimeoutSeconds: 30,
            concurrency: 4,
            ...input.delivery,
            deadLetterQueue: input.delivery?.deadLetterQueue ?? null,
        },
        retention: { processedMinutes: 180, allHours: 72, ...input.retention },
        createdAt,
        updatedAt: now,
    };
}
//# sourceMappingURL=queue-definition.js.map