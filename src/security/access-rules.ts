import type { GrantAction } from '@app/domain/grant';
import type { QueueDefinition } from '@app/domain/queue';
import { isReservedName } from '@app/common/reserved-names';

/** `self`: any valid token (the caller asks about itself) */
export type AccessAction = 'message.write' | 'message.consume' | 'queue.admin' | 'topic.publish' | 'catalog.read' | 'catalog.write' | 'self';

export const CATALOG_READ_ROLES = ['system_admin', 'system_reader', 'queue_admin', 'queue_reader'];
export const CATALOG_WRITE_ROLES = ['system_admin', 'queue_admin'];

/** The roles that allow an action on a resource, and the grant that may stand in for them. */
export interface Requirement {
  anyRole: string[];
  grant: { type: 'queue' | 'topic'; name: string; action: GrantAction } | null;
  /** no role needed at all (needsRole: false) */
  open: boolean;
}

/**
 * `<name>_<suffix>`, the per-resource role; none for a reserved name (a queue or topic stored
 * before names were reserved), whose role would be a built-in one.
 */
function ownRole(name: string, suffix: 'reader' | 'writer'): string[] {
  return isReservedName(name) ? [] : [`${name}_${suffix}`];
}

export function requirementFor(action: AccessAction, queue: QueueDefinition | null, topic: string | null): Requirement {
  switch (action) {
    case 'message.write': {
      const q = queue!;
      const defaults = q.roles.replace ? ['system_admin'] : ['system_admin', 'system_writer', 'queue_writer', ...ownRole(q.name, 'writer')];
      return { anyRole: [...defaults, ...q.roles.roles], grant: { type: 'queue', name: q.name, action: 'send_to_queue' }, open: !q.roles.needsRole };
    }
    case 'message.consume': {
      const q = queue!;
      const roles = q.roles.replace ? ['system_admin'] : ['system_admin', 'queue_reader', ...ownRole(q.name, 'reader')];
      return { anyRole: roles, grant: { type: 'queue', name: q.name, action: 'receive' }, open: false };
    }
    case 'queue.admin': {
      const q = queue!;
      return { anyRole: [...CATALOG_WRITE_ROLES, `${q.name}_admin`], grant: { type: 'queue', name: q.name, action: 'administer_queue' }, open: false };
    }
    case 'topic.publish':
      return {
        anyRole: ['system_admin', 'system_writer', 'topic_writer', ...ownRole(topic!, 'writer')],
        grant: { type: 'topic', name: topic!, action: 'send_to_topic' },
        open: false,
      };
    case 'catalog.read':
      return { anyRole: CATALOG_READ_ROLES, grant: null, open: false };
    case 'catalog.write':
      return { anyRole: CATALOG_WRITE_ROLES, grant: null, open: false };
    case 'self':
      return { anyRole: [], grant: null, open: true };
  }
}
