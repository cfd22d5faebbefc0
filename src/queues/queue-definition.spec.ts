import { normalizeQueueDefinition } from '@app/queues/queue-definition';

function invalid(raw: unknown): string {
  try {
    normalizeQueueDefinition(raw, 0);
  } catch (error) {
    expect((error as { code: string }).code).toBe('INVALID_QUEUE_DEFINITION');
    return (error as Error).message;
  }
  throw new Error('expected INVALID_QUEUE_DEFINITION');
}

describe('normalizeQueueDefinition', () => {
  it('applies the documented defaults', () => {
    const definition = normalizeQueueDefinition({ name: 'orders' }, 1000);
    expect(definition).toMatchObject({
      name: 'orders',
      storageEngine: 'filesystem',
      connectionString: null,
      client_id: null,
      roles: { needsRole: true, replace: false, roles: [] },
      delivery: {
        visibilityTimeoutSeconds: 30,
        maxAttempts: 1,
        maxReceives: 0,
        backoffSeconds: 5,
        deadLetterQueue: null,
        handlerTimeoutSeconds: 30,
        concurrency: 4,
      },
      retention: { processedMinutes: 180, allHours: 72 },
      createdAt: 1000,
      updatedAt: 1000,
    });
  });

  it('takes the engine given, else sql with a connectionString, else the default engine', () => {
    expect(normalizeQueueDefinition({ name: 'q' }, 0, 0, 'sql').storageEngine).toBe('sql');
    expect(normalizeQueueDefinition({ name: 'q', storageEngine: 'filesystem' }, 0, 0, 'sql').storageEngine).toBe('filesystem');
    expect(normalizeQueueDefinition({ name: 'q', connectionString: 'postgres://db/app' }, 0, 0, 'filesystem').storageEngine).toBe('sql');
  });

  it('keeps given values over defaults', () => {
    const definition = normalizeQueueDefinition({ name: 'o', roles: { replace: true }, delivery: { maxAttempts: 3, deadLetterQueue: 'o-dead' } }, 0);
    expect(definition.roles).toEqual({ needsRole: true, replace: true, roles: [] });
    expect(definition.delivery).toMatchObject({ maxAttempts: 3, deadLetterQueue: 'o-dead', backoffSeconds: 5 });
  });

  it.each([
    ['a name with a colon', { name: 'a:b' }, /name/],
    ['a name with a slash', { name: 'a/b' }, /name/],
    ['a name starting with a dot', { name: '.hidden' }, /name/],
    ['a name of 81 characters', { name: 'a'.repeat(81) }, /name/],
    ['an unknown engine', { name: 'q', storageEngine: 'redis' }, /storageEngine/],
    ['an unknown field', { name: 'q', colour: 'red' }, /additional/],
    ['roles.roles not an array', { name: 'q', roles: { roles: 'admin' } }, /roles/],
    ['visibility out of range', { name: 'q', delivery: { visibilityTimeoutSeconds: 43201 } }, /visibilityTimeoutSeconds/],
    ['backoff out of range', { name: 'q', delivery: { backoffSeconds: 3601 } }, /backoffSeconds/],
    ['maxReceives out of range', { name: 'q', delivery: { maxReceives: 1001 } }, /maxReceives/],
    ['maxReceives negative', { name: 'q', delivery: { maxReceives: -1 } }, /maxReceives/],
    ['concurrency out of range', { name: 'q', delivery: { concurrency: 257 } }, /concurrency/],
    ['handler timeout of 0', { name: 'q', delivery: { handlerTimeoutSeconds: 0 } }, /handlerTimeoutSeconds/],
    ['a schema that is a string', { name: 'q', incoming: { schema: 'object' } }, /schema/],
    ['a connection string on the filesystem engine', { name: 'q', storageEngine: 'filesystem', connectionString: 'postgres://db/app' }, /connectionString/],
    ['a dead-letter queue that is the queue itself', { name: 'q', delivery: { deadLetterQueue: 'q' } }, /deadLetterQueue/],
    ['not an object', 'orders', /object/],
  ])('refuses %s', (_label, raw, reason) => {
    expect(invalid(raw)).toMatch(reason);
  });
});
