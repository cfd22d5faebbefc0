"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CATALOG_WRITE_ROLES = exports.CATALOG_READ_ROLES = void 0;
exports.requirementFor = requirementFor;
exports.CATALOG_READ_ROLES = ['system_admin', 'system_reader', 'queue_admin', 'queue_reader'];
exports.CATALOG_WRITE_ROLES = ['system_admin', 'queue_admin'];
function requirementFor(action, queue, topic) {
    switch (action) {
        case 'message.write': {
            const q = queue;
            const defaults = q.roles.replace ? ['system_admin'] : ['system_admin', 'system_writer', 'queue_writer', `${q.name}_writer`];
            return { anyRole: [...defaults, ...q.roles.roles], grant: { type: 'queue', name: q.name, action: 'send_to_queue' }, open: !q.roles.needsRole };
        }
        case 'message.consume': {
            const q = queue;
            const roles = q.roles.replace ? ['system_admin'] : ['system_admin', 'queue_reader', `${q.name}_reader`];
            return { anyRole: roles, grant: { type: 'queue', name: q.name, action: 'receive' }, open: false };
        }
        case 'topic.publish':
            return {
                anyRole: ['system_admin', 'system_writer', 'topic_writer', `${topic}_writer`],
                grant: { type: 'topic', name: topic, action: 'send_to_topic' },
                open: false,
            };
        case 'catalog.read':
            return { anyRole: exports.CATALOG_READ_ROLES, grant: null, open: false };
        case 'catalog.write':
            return { anyRole: exports.CATALOG_WRITE_ROLES, grant: null, open: false };
    }
}
//# sourceMappingURL=access-rules.js.map