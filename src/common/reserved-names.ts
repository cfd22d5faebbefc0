import { DomainError } from '@app/common/domain-error';

/**
 * The resource parts of the built-in roles (`system_reader`, `queue_writer`, `topic_writer`, …).
 * Per-resource roles are `<name>_reader` / `<name>_writer`, so a queue or topic with one of these
 * names would be reachable through a built-in role meant for something else.
 */
export const RESERVED_NAMES: readonly string[] = ['system', 'queue', 'topic'];

export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.includes(name.toLowerCase());
}

/** Throws RESERVED_NAME (400) for a queue or topic named like a built-in role's resource. */
export function assertNotReserved(name: string, kind: 'queue' | 'topic'): void {
  if (isReservedName(name)) {
    throw new DomainError('RESERVED_NAME', `A ${kind} cannot be named "${name}": ${RESERVED_NAMES.join(', ')} are reserved for the built-in roles`);
  }
}
