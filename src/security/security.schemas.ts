/** OpenAPI schemas of the grant and `me` routes. */
export const grantSchema = {
  type: 'object',
  required: ['resource', 'subject', 'action', 'grantedBy', 'grantedAt'],
  properties: {
    resource: { type: 'object', required: ['type', 'name'], properties: { type: { type: 'string', enum: ['queue', 'topic'] }, name: { type: 'string' } } },
    subject: { type: 'string', description: "the token's sub" },
    action: { type: 'string', enum: ['send_to_queue', 'receive', 'administer_queue', 'send_to_topic'] },
    grantedBy: { type: 'string' },
    grantedAt: { type: 'string', format: 'date-time' },
  },
};

export const grantListSchema = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: grantSchema }, nextCursor: { type: 'string', nullable: true } },
};

const flags = (names: string[]) => ({
  required: ['name', ...names],
  properties: { name: { type: 'string' }, ...Object.fromEntries(names.map((n) => [n, { type: 'boolean' }])) },
});

export const meSchema = {
  type: 'object',
  required: ['subject', 'roles', 'clientRoles', 'rights', 'queue', 'topic'],
  properties: {
    subject: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    clientRoles: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    rights: { type: 'object', required: ['readCatalog', 'writeCatalog'], properties: { readCatalog: { type: 'boolean' }, writeCatalog: { type: 'boolean' } } },
    queue: { type: 'object', nullable: true, description: 'null unless ?queue= names one', ...flags(['push', 'consume', 'administer']) },
    topic: { type: 'object', nullable: true, description: 'null unless ?topic= names one', ...flags(['publish']) },
  },
};
