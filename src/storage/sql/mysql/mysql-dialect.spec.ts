import { MysqlDialect } from '@app/storage/sql/mysql/mysql-dialect';

describe('MysqlDialect', () => {
  it('mysql/mariadb lock the batch with SKIP LOCKED, then lease it with per-message receipts', () => {
    const text = new MysqlDialect('mariadb');
    expect(text.claim('q', 1, 2, 3).sql).toMatch(/WHERE queue = \? AND status = 'PENDING' AND available_at <= \? ORDER BY seq LIMIT 3 FOR UPDATE SKIP LOCKED$/);
    const lease = text.leaseClaimed(
      'q',
      [
        { id: 'a', receipt: 'ra' },
        { id: 'b', receipt: 'rb' },
      ],
      5,
      9,
    );
    expect(lease.sql).toBe(
      "UPDATE mailroom_messages SET status = 'INPROGRESS', attempts = attempts + 1, receipt = CASE id WHEN ? THEN ? WHEN ? THEN ? END, lease_expires_at = ?, updated_at = ? WHERE queue = ? AND id IN (?, ?)",
    );
    expect(lease.params).toEqual(['a', 'ra', 'b', 'rb', 9, 5, 'q', 'a', 'b']);
    expect(text.settle('q', 'i', 'r', { status: 'COMPLETE', updatedAt: 1 }).sql).not.toMatch(/RETURNING|OUTPUT/);
  });
});
