"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.principalFromClaims = principalFromClaims;
exports.rolesFor = rolesFor;
function strings(value) {
    if (typeof value === 'string')
        return [value];
    if (Array.isArray(value))
        return value.filter((v) => typeof v === 'string');
    return [];
}
function principalFromClaims(claims) {
    const realm = claims.realm_access;
    const roles = new Set([...strings(claims.roles), ...strings(claims.role), ...strings(realm?.roles)]);
    const clientRoles = new Map();
    const resourceAccess = claims.resource_access;
    if (resourceAccess && typeof resourceAccess === 'object') {
        for (const [client, access] of Object.entries(resourceAccess)) {
            clientRoles.set(client, new Set(strings(access?.roles)));
        }
    }
    return { subject: String(claims.sub ?? ''), roles, clientRoles };
}
function rolesFor(principal, clientId) {
    if (!clientId)
        return principal.roles;
    const client = principal.clientRoles.get(clientId);
    return client && client.size ? new Set([...principal.roles, ...client]) : principal.roles;
}
//# sourceMappingURL=principal.js.map