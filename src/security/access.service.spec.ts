import { normalizeQueueDefinition } from '@app/queues/queue-definition';
import { AccessService } from '@app/security/access.service';
import type { AccessAction } from '@app/security/access-rules';
import { principalFromClaims } from '@app/security/principal';
import type { Grant, GrantAction, ResourceType } from '@app/domain/grant';
import type { QueueDefinition } from '@app/domain/queue';
import { GrantStore, type GrantQuery } from '@app/storage/ports/grant.store';

class MemoryGrants extends GrantStore {
  constructor(private readonly grants: Grant[] = []) {
    super();
  }
  async put(grant: Grant): Promise<void> {
    this.grants.push(grant);
  }
  async delete(): Promise<boolean> {
    return false;
  }
  async list(_query: GrantQuery): Promise<Grant[]> {
    return this.grants;
  }
  async has(type: ResourceType, name: string, subject: string, action: GrantAction): Promise<boolean> {
    return this.grants.some((g) => g.resource.type === type && g.resource.name === name && g.subject === subject && g.action === action);
  }
  async deleteForResource(): Promise<void> {}
}

function queue(overrides: Record<string, unknown> = {}): QueueDefinition {
  return normalizeQueueDefinition({ name: 'orders', ...overrides }, 0);
}

const QUEUES = {
  default: queue(),
  open: queue({ roles: { needsRole: false } }),
  custom: queue({ roles: { roles: ['order_clerk'] } }),
  replace: queue({ roles: { replace: true, roles: ['order_clerk'] } }),
  client: queue({ client_id: 'shop', roles: { roles: ['order_clerk'] } }),
};

type QueueKind = keyof typeof QUEUES;

function grant(action: GrantAction, name = 'orders', type: ResourceType = 'queue'): Grant {
  return { resource: { type, name }, subject: 'alice', action, grantedBy: 'admin', grantedAt: new Date(0).toISOString() };
}

/**
 * [claims, queue kind, action, allowed]. Roles come from `roles`, `role`, `realm_access.roles`
 * and, for the queue with client_id "shop", from resource_access.shop only.
 */
const TABLE: [string, Record<string, unknown>, QueueKind, AccessAction, boolean][] = [
  // message.write (push / get / delete)
  ['no roles, default queue', {}, 'default', 'message.write', false],
  ['no roles, needsRole false', {}, 'open', 'message.write', true],
  ['system_admin', { roles: ['system_admin'] }, 'default', 'message.write', true],
  ['system_writer', { roles: ['system_writer'] }, 'default', 'message.write', true],
  ['queue_writer', { role: 'queue_writer' }, 'default', 'message.write', true],
  ['<queue>_writer', { realm_access: { roles: ['orders_writer'] } }, 'default', 'message.write', true],
  ["another queue's writer", { roles: ['invoices_writer'] }, 'default', 'message.write', false],
  ['reader cannot write', { roles: ['queue_reader'] }, 'default', 'message.write', false],
  ['custom role', { roles: ['order_clerk'] }, 'custom', 'message.write', true],
  ['custom role elsewhere is nothing', { roles: ['order_clerk'] }, 'default', 'message.write', false],
  ['replace: system_writer refused', { roles: ['system_writer'] }, 'replace', 'message.write', false],
  ['replace: queue_writer refused', { roles: ['queue_writer'] }, 'replace', 'message.write', false],
  ['replace: system_admin kept', { roles: ['system_admin'] }, 'replace', 'message.write', true],
  ['replace: custom role kept', { role: ['order_clerk'] }, 'replace', 'message.write', true],
  ['client role of the queue client', { resource_access: { shop: { roles: ['order_clerk'] } } }, 'client', 'message.write', true],
  ['client role of another client', { resource_access: { other: { roles: ['order_clerk'] } } }, 'client', 'message.write', false],
  ['client roles do not count without client_id', { resource_access: { shop: { roles: ['order_clerk'] } } }, 'custom', 'message.write', false],
  ['realm role still counts with client_id', { realm_access: { roles: ['queue_writer'] } }, 'client', 'message.write', true],
  // message.consume (receive / ack / lease / requeue / list)
  ['queue_reader consumes', { roles: ['queue_reader'] }, 'default', 'message.consume', true],
  ['<queue>_reader consumes', { roles: ['orders_reader'] }, 'default', 'message.consume', true],
  ['writer cannot consume', { roles: ['system_writer'] }, 'default', 'message.consume', false],
  ['needsRole false does not open consume', {}, 'open', 'message.consume', false],
  ['replace: queue_reader refused', { roles: ['queue_reader'] }, 'replace', 'message.consume', false],
  ['replace: system_admin consumes', { roles: ['system_admin'] }, 'replace', 'message.consume', true],
  // catalog
  ['system_reader reads the catalog', { roles: ['system_reader'] }, 'default', 'catalog.read', true],
  ['queue_reader reads the catalog', { roles: ['queue_reader'] }, 'default', 'catalog.read', true],
  ['queue_admin reads the catalog', { roles: ['queue_admin'] }, 'default', 'catalog.read', true],
  ['writer cannot read the catalog', { roles: ['system_writer'] }, 'default', 'catalog.read', false],
  ['queue_admin writes the catalog', { roles: ['queue_admin'] }, 'default', 'catalog.write', true],
  ['system_admin writes the catalog', { roles: ['system_admin'] }, 'default', 'catalog.write', true],
  ['system_reader cannot write the catalog', { roles: ['system_reader'] }, 'default', 'catalog.write', false],
  ['queue_reader cannot write the catalog', { roles: ['queue_reader'] }, 'default', 'catalog.write', false],
];

describe('AccessService: roles × queue settings × actions', () => {
  const access = new AccessService(new MemoryGrants());

  it.each(TABLE)('%s', async (_label, claims, kind, action, allowed) => {
    const principal = principalFromClaims({ sub: 'alice', ...claims });
    await expect(access.can(principal, action, { queue: QUEUES[kind] })).resolves.toBe(allowed);
  });

  it('refuses with FORBIDDEN naming the action and queue', async () => {
    const principal = principalFromClaims({ sub: 'alice' });
    await expect(access.assert(principal, 'message.write', { queue: QUEUES.default })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('queue orders'),
    });
  });
});

describe('AccessService: topics', () => {
  const access = new AccessService(new MemoryGrants([grant('send_to_topic', 'news', 'topic')]));

  it.each([
    [['system_admin'], true],
    [['system_writer'], true],
    [['topic_writer'], true],
    [['news_writer'], true],
    [['queue_writer'], false],
    [['sports_writer'], false],
    [[], false],
  ])('roles %j publish to news: %s', async (roles, allowed) => {
    const principal = principalFromClaims({ sub: 'bob', roles });
    await expect(access.can(principal, 'topic.publish', { topic: 'news' })).resolves.toBe(allowed);
  });

  it('a send_to_topic grant allows its subject on that topic only', async () => {
    const alice = principalFromClaims({ sub: 'alice' });
    await expect(access.can(alice, 'topic.publish', { topic: 'news' })).resolves.toBe(true);
    await expect(access.can(alice, 'topic.publish', { topic: 'sports' })).resolves.toBe(false);
  });
});

describe('AccessService: grants stand in for roles', () => {
  const access = new AccessService(new MemoryGrants([grant('send_to_queue'), grant('receive', 'invoices')]));
  const alice = principalFromClaims({ sub: 'alice' });
  const bob = principalFromClaims({ sub: 'bob' });

  it('send_to_queue allows writing to that queue, even with replace', async () => {
    await expect(access.can(alice, 'message.write', { queue: QUEUES.default })).resolves.toBe(true);
    await expect(access.can(alice, 'message.write', { queue: QUEUES.replace })).resolves.toBe(true);
  });

  it('a grant is per subject', async () => {
    await expect(access.can(bob, 'message.write', { queue: QUEUES.default })).resolves.toBe(false);
  });

  it('a grant is per action and per queue', async () => {
    await expect(access.can(alice, 'message.consume', { queue: QUEUES.default })).resolves.toBe(false);
    const invoices = queue({ name: 'invoices' });
    await expect(access.can(alice, 'message.consume', { queue: invoices })).resolves.toBe(true);
    await expect(access.can(alice, 'message.write', { queue: invoices })).resolves.toBe(false);
  });

  it('grants never open the catalog', async () => {
    await expect(access.can(alice, 'catalog.read')).resolves.toBe(false);
    await expect(access.can(alice, 'catalog.write')).resolves.toBe(false);
  });
});

describe('AccessService: resources stored under a reserved name before names were reserved', () => {
  const access = new AccessService(new MemoryGrants());
  const named = (name: string): QueueDefinition => ({ ...QUEUES.default, name });

  it.each([
    ['topic_writer', 'topic', 'message.write'],
    ['system_reader', 'system', 'message.consume'],
  ] as const)('%s does not reach queue %s by the name-derived role (%s)', async (role, name, action) => {
    await expect(access.can(principalFromClaims({ sub: 'mallory', roles: [role] }), action, { queue: named(name) })).resolves.toBe(false);
  });

  it('queue_writer still writes to every queue, and does not publish to a topic named queue', async () => {
    const writer = principalFromClaims({ sub: 'mallory', roles: ['queue_writer'] });
    await expect(access.can(writer, 'message.write', { queue: named('topic') })).resolves.toBe(true);
    await expect(access.can(writer, 'topic.publish', { topic: 'queue' })).resolves.toBe(false);
  });
});
