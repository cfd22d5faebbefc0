import type { DataSource } from 'typeorm';
import type { Grant } from '@app/domain/grant';
import type { SqlDatabase } from '@app/storage/sql/sql-database';
import type { GrantRow } from '@app/storage/sql/catalog.entities';
import { SqlGrantStore } from '@app/storage/sql/sql-grant.store';

type Key = Pick<GrantRow, 'resourceType' | 'resourceName' | 'subject' | 'action'>;

/**
 * SQL Server's `=` ignores trailing spaces under every collation (BIN2 included), and so does its
 * primary key. No SQL Server runs in CI: this repository behaves like one.
 */
function mssqlLike(): SqlDatabase {
  const rows: GrantRow[] = [];
  const eq = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.replace(/ +$/, '') === b.replace(/ +$/, '');
  const matches = (where: Partial<Key>) => (row: GrantRow) => Object.entries(where).every(([k, v]) => eq(row[k as keyof Key], v));
  const repository = {
    findBy: async (where: Partial<Key>) => rows.filter(matches(where)),
    find: async ({ where }: { where: Partial<Key> }) => rows.filter(matches(where)),
    insert: async (row: GrantRow) => {
      if (rows.some(matches(row))) throw new Error('Violation of PRIMARY KEY constraint pk_mailroom_grants');
      rows.push(row);
    },
    delete: async (where: Partial<Key>) => {
      const before = rows.length;
      for (let i = rows.length - 1; i >= 0; i--) if (matches(where)(rows[i])) rows.splice(i, 1);
      return { affected: before - rows.length };
    },
  };
  const ds = { getRepository: () => repository } as unknown as DataSource;
  return { use: <T>(work: (ds: DataSource) => Promise<T>) => work(ds) } as unknown as SqlDatabase;
}

const grant = (subject: string): Grant => ({
  resource: { type: 'queue', name: 'orders' },
  subject,
  action: 'send_to_queue',
  grantedBy: 'admin',
  grantedAt: '2026-01-01T00:00:00.000Z',
});

describe('SqlGrantStore on a database whose = ignores trailing spaces (SQL Server)', () => {
  it('serves a grant to "alice" to "alice" only', async () => {
    const store = new SqlGrantStore(mssqlLike());
    await store.put(grant('alice'));
    expect(await store.has('queue', 'orders', 'alice', 'send_to_queue')).toBe(true);
    expect(await store.has('queue', 'orders', 'alice ', 'send_to_queue')).toBe(false);
    expect(await store.list({ subject: 'alice  ' })).toEqual([]);
    expect(await store.list({ resource: { type: 'queue', name: 'orders' } })).toEqual([grant('alice')]);
    expect(await store.delete('queue', 'orders', 'alice ', 'send_to_queue')).toBe(false);
    expect(await store.has('queue', 'orders', 'alice', 'send_to_queue')).toBe(true);
  });

  it('refuses a second grant that the database cannot tell apart with 400 INVALID_PERMISSION, keeping the first', async () => {
    const store = new SqlGrantStore(mssqlLike());
    await store.put(grant('alice'));
    await expect(store.put(grant('alice '))).rejects.toMatchObject({ code: 'INVALID_PERMISSION', status: 400 });
    await store.put(grant('alice'));
    expect(await store.list({ subject: 'alice' })).toEqual([grant('alice')]);
  });
});
