/** The authenticated caller, built from verified JWT claims. */
export interface Principal {
  subject: string;
  /** roles from `roles`, `role` and `realm_access.roles` */
  roles: ReadonlySet<string>;
  /** resource_access[client].roles, per client */
  clientRoles: ReadonlyMap<string, ReadonlySet<string>>;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const realm = claims.realm_access as { roles?: unknown } | undefined;
  const roles = new Set([...strings(claims.roles), ...strings(claims.role), ...strings(realm?.roles)]);
  const clientRoles = new Map<string, ReadonlySet<string>>();
  const resourceAccess = claims.resource_access;
  if (resourceAccess && typeof resourceAccess === 'object') {
    for (const [client, access] of Object.entries(resourceAccess as Record<string, { roles?: unknown }>)) {
      clientRoles.set(client, new Set(strings(access?.roles)));
    }
  }
  return { subject: String(claims.sub ?? ''), roles, clientRoles };
}

/** The roles that count for a queue: global ones plus, for a queue with client_id, that client's only. */
export function rolesFor(principal: Principal, clientId: string | null): ReadonlySet<string> {
  if (!clientId) return principal.roles;
  const client = principal.clientRoles.get(clientId);
  return client && client.size ? new Set([...principal.roles, ...client]) : principal.roles;
}

/** At most this many roles are recorded with a message, each at most SENDER_ROLE_MAX_LENGTH characters. */
export const SENDER_ROLES_MAX = 50;
export const SENDER_ROLE_MAX_LENGTH = 128;

/**
 * The roles recorded with a message pushed by `principal` to a queue (see rolesFor): sorted, a
 * role longer than SENDER_ROLE_MAX_LENGTH left out (a cut name would be another role), and only
 * the first SENDER_ROLES_MAX kept.
 */
export function senderRoles(principal: Principal, clientId: string | null): string[] {
  return [...rolesFor(principal, clientId)]
    .filter((role) => role.length <= SENDER_ROLE_MAX_LENGTH)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, SENDER_ROLES_MAX);
}
