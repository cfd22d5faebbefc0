import { principalFromClaims, senderRoles, SENDER_ROLES_MAX } from '@app/security/principal';

describe('senderRoles', () => {
  it("records the global roles plus, for a queue with client_id, that client's roles, sorted and without duplicates", () => {
    const principal = principalFromClaims({
      sub: 'alice',
      roles: ['writer', 'admin'],
      realm_access: { roles: ['writer', 'auditor'] },
      resource_access: { billing: { roles: ['billing_writer'] }, other: { roles: ['other_role'] } },
    });
    expect(senderRoles(principal, null)).toEqual(['admin', 'auditor', 'writer']);
    expect(senderRoles(principal, 'billing')).toEqual(['admin', 'auditor', 'billing_writer', 'writer']);
    expect(senderRoles(principalFromClaims({ sub: 'bob' }), null)).toEqual([]);
  });

  it('keeps at most 50 roles of at most 128 characters, the same ones whatever the order in the token', () => {
    const many = Array.from({ length: 80 }, (_, i) => `role-${String(i).padStart(2, '0')}`);
    const long = 'x'.repeat(129);
    const a = senderRoles(principalFromClaims({ sub: 'a', roles: [long, ...many, 'y'.repeat(128)] }), null);
    const b = senderRoles(principalFromClaims({ sub: 'a', roles: ['y'.repeat(128), ...[...many].reverse(), long] }), null);
    expect(a).toHaveLength(SENDER_ROLES_MAX);
    expect(a).toEqual(b);
    expect(a).toEqual(many.slice(0, 50));
    expect(a).not.toContain(long);
  });
});
