"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Public = exports.PUBLIC_KEY = exports.ACCESS_KEY = void 0;
exports.Access = Access;
const common_1 = require("@nestjs/common");
const swagger_1 = require("@nestjs/swagger");
const api_schemas_1 = require("../common/api-schemas.js");
exports.ACCESS_KEY = 'mailroom:access';
exports.PUBLIC_KEY = 'mailroom:public';
const DESCRIPTIONS = {
    'message.write': 'a writer role of the queue (system_admin, system_writer, queue_writer, <queue>_writer or the queue\'s own roles; only system_admin when roles.replace), no role when roles.needsRole is false, or a send_to_queue grant',
    'message.consume': 'system_admin, queue_reader or <queue>_reader (only system_admin when roles.replace), or a receive grant',
    'topic.publish': 'system_admin, system_writer, topic_writer or <topic>_writer, or a send_to_topic grant',
    'catalog.read': 'system_admin, system_reader, queue_admin or queue_reader',
    'catalog.write': 'system_admin or queue_admin',
};
function Access(action, resource = {}) {
    const decorators = [
        (0, common_1.SetMetadata)(exports.ACCESS_KEY, { action, ...resource }),
        (0, swagger_1.ApiBearerAuth)('bearer'),
        (0, swagger_1.ApiSecurity)('x-access-token'),
        (0, swagger_1.ApiUnauthorizedResponse)({ description: 'missing, invalid or expired token (code UNAUTHENTICATED)', schema: api_schemas_1.errorResponseSchema }),
        (0, swagger_1.ApiForbiddenResponse)({ description: `needs ${DESCRIPTIONS[action]} (code FORBIDDEN)`, schema: api_schemas_1.errorResponseSchema }),
    ];
    if (resource.queueParam)
        decorators.push((0, swagger_1.ApiNotFoundResponse)({ description: 'QUEUE_NOT_FOUND', schema: api_schemas_1.errorResponseSchema }));
    return (0, common_1.applyDecorators)(...decorators);
}
const Public = () => (0, common_1.SetMetadata)(exports.PUBLIC_KEY, true);
exports.Public = Public;
//# sourceMappingURL=access.decorator.js.map