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
