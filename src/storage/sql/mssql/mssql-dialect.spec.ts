import { MssqlDialect } from '@app/storage/sql/mssql/mssql-dialect';
import { MESSAGE_COLUMNS } from '@app/storage/sql/sql-statement';

/** The statements are unit-tested as text for every dialect; MSSQL has no server in CI, so this is its test. */
describe('MssqlDialect', () => {
  const text = new MssqlDialect();

  it('claims in one statement: TOP(n) in delivery order, skipping locked rows, leasing and returning them', () => {
    const { sql, params } = text.claim('orders', 1000, 31000, 5);
    expect(sql).toMatch(/^WITH c AS \(SELECT TOP \(5\) \* FROM mailroom_messages WITH \(UPDLOCK, READPAST, ROWLOCK\) /);
    expect(sql).toContain("WHERE queue = @0 AND status = 'PENDING' AND available_at <= @1 ORDER BY seq)");
    expect(sql).toContain(
      "UPDATE c SET status = 'INPROGRESS', attempts = attempts + 1, receipt = CONVERT(varchar(36), NEWID()), lease_expires_at = @2, updated_at = @1",
    );
    expect(sql).toMatch(
      / OUTPUT inserted\.queue, inserted\.id, inserted\.seq, .*inserted\.idempotency_key, inserted\.group_id, inserted\.sender_roles, inserted\.dedup_id;$/,
    );
    expect(sql).not.toMatch(/SKIP LOCKED|LIMIT|\$\d|\?/);
    expect(params).toEqual(['orders', 1000, 31000]);
  });

  it('settles with a compare-and-set on the receipt and OUTPUT before WHERE', () => {
    const { sql, params } = text.settle('q', 'id-1', 'r-1', {
      status: 'PENDING',
      updatedAt: 5,
      error: '{"name":"E"}',
      availableAt: 9,
      seq: 77,
      uncountAttempt: true,
    });
    expect(sql).toBe(
      'UPDATE mailroom_messages SET status = @0, updated_at = @1, lease_expires_at = NULL, receipt = NULL, error = @2, available_at = @3, seq = @4, ' +
        'attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END OUTPUT inserted.queue, inserted.id, inserted.seq, inserted.status, inserted.request, ' +
        'inserted.result, inserted.error, inserted.dead_letter, inserted.attempts, inserted.sent_by, inserted.created_at, inserted.updated_at, ' +
        "inserted.available_at, inserted.lease_expires_at, inserted.receipt, inserted.idempotency_key, inserted.group_id, inserted.sender_roles, inserted.dedup_id WHERE queue = @5 AND id = @6 AND receipt = @7 AND status = 'INPROGRESS'",
    );
    expect(params).toEqual(['PENDING', 5, '{"name":"E"}', 9, 77, 'q', 'id-1', 'r-1']);
  });

  it('extends a lease and requeues with OUTPUT', () => {
    expect(text.extendLease('q', 'i', 'r', 50, 10).sql).toMatch(
      /^UPDATE mailroom_messages SET lease_expires_at = @0, updated_at = @1 OUTPUT inserted\..* WHERE queue = @2 AND id = @3 AND receipt = @4 AND status = 'INPROGRESS'$/,
    );
    const requeue = text.requeue('q', 'i', 7);
    expect(requeue.sql).toMatch(
      /SET status = 'PENDING', attempts = 0, available_at = @0, updated_at = @1, lease_expires_at = NULL, receipt = NULL OUTPUT .* WHERE queue = @2 AND id = @3 AND status = 'ERROR'$/,
    );
    expect(requeue.params).toEqual([7, 7, 'q', 'i']);
  });

  it('bounds lists, expired leases and retention with TOP, never LIMIT', () => {
    const list = text.list('q', 'PENDING', { seq: 10, id: 'x' }, 50);
    expect(list.sql).toMatch(
      /^SELECT TOP \(51\) queue, id, .* FROM mailroom_messages WHERE queue = @0 AND status = @1 AND \(seq > @2 OR \(seq = @3 AND id > @4\)\) ORDER BY seq, id$/,
    );
    expect(list.params).toEqual(['q', 'PENDING', 10, 10, 'x']);
    expect(text.findExpiredLeases('q', 5, 3).sql).toMatch(
      /^SELECT TOP \(3\) .* WHERE queue = @0 AND status = 'INPROGRESS' AND lease_expires_at < @1 ORDER BY lease_expires_at, seq$/,
    );
    expect(text.retention('q', 1, 2, 500).sql).toBe(
      "DELETE TOP (500) FROM mailroom_messages WHERE queue = @0 AND ((status = 'COMPLETE' AND updated_at < @1) OR created_at < @2)",
    );
    for (const s of [list.sql, text.findExpiredLeases('q', 5, 3).sql]) expect(s).not.toContain('LIMIT');
  });

  it('purges at most n rows in delivery order through a deletable CTE, optionally of one status', () => {
    expect(text.deleteSome('q', 'ERROR', 500)).toEqual({
      sql: 'WITH d AS (SELECT TOP (500) * FROM mailroom_messages WHERE queue = @0 AND status = @1 ORDER BY seq) DELETE FROM d',
      params: ['q', 'ERROR'],
    });
    expect(text.deleteSome('q', null, 2).sql).toBe('WITH d AS (SELECT TOP (2) * FROM mailroom_messages WHERE queue = @0 ORDER BY seq) DELETE FROM d');
  });

  it('inserts many rows in one statement with numbered parameters', () => {
    const row = (id: string) => ['q', id, 1, 'PENDING', '{}', null, null, null, 0, null, 1, 1, 1, null, null, null, 'g', '["writer"]', 'dedup-1'];
    const { sql, params } = text.insert([row('a'), row('b')], true);
    expect(sql).toMatch(
      /^INSERT INTO mailroom_messages \(queue, id, seq, .*idempotency_key, group_id, sender_roles, dedup_id\) VALUES \(@0, @1, .*@18\), \(@19, .*@37\)$/,
    );
    expect(sql).not.toContain('ON CONFLICT');
    expect(params).toHaveLength(38);
    expect(text.insertChunk * MESSAGE_COLUMNS.length).toBeLessThan(2100);
  });

  it('claims FIFO groups under the lock row: TOP(n), window functions per group, its own numbered parameters', () => {
    expect(text.fifoLock('q')).toEqual({ sql: 'SELECT queue FROM mailroom_fifo_locks WITH (UPDLOCK, HOLDLOCK, ROWLOCK) WHERE queue = @0', params: ['q'] });
    expect(text.fifoLockRow('q').sql).toBe(
      'INSERT INTO mailroom_fifo_locks (queue) SELECT @0 WHERE NOT EXISTS (SELECT 1 FROM mailroom_fifo_locks WITH (UPDLOCK, HOLDLOCK) WHERE queue = @0)',
    );
    const { sql, params } = text.claimGroups('q', 100, 10, 1);
    expect(sql).toMatch(/^SELECT TOP \(10\) queue, id, .*group_id, sender_roles, dedup_id FROM \(SELECT .* UNION ALL SELECT .*\) c ORDER BY seq, id$/);
    expect(sql).toContain('ROW_NUMBER() OVER (PARTITION BY m.group_id ORDER BY m.seq, m.id) AS fifo_rank');
    expect(sql).toContain(
      'SUM(CASE WHEN m.available_at > @0 THEN 1 ELSE 0 END) OVER (PARTITION BY m.group_id ORDER BY m.seq, m.id ROWS UNBOUNDED PRECEDING) AS fifo_held',
    );
    expect(sql).toContain("AND NOT EXISTS (SELECT 1 FROM mailroom_messages f WHERE f.queue = m.queue AND f.group_id = m.group_id AND f.status = 'INPROGRESS')");
    expect(sql).toContain('WHERE g.fifo_rank <= @2 AND g.fifo_held = 0');
    expect(sql).toContain('group_id IS NULL AND available_at <= @4');
    expect(params).toEqual([100, 'q', 1, 'q', 100]);
    const lease = text.leaseChosen(
      'q',
      [
        { id: 'a', receipt: 'r1' },
        { id: 'b', receipt: 'r2' },
      ],
      5,
      6,
    );
    expect(lease).toEqual({
      sql:
        "UPDATE mailroom_messages SET status = 'INPROGRESS', attempts = attempts + 1, receipt = CASE id WHEN @0 THEN @1 WHEN @2 THEN @3 END, lease_expires_at = @4, updated_at = @5 " +
        "WHERE queue = @6 AND status = 'PENDING' AND id IN (@7, @8)",
      params: ['a', 'r1', 'b', 'r2', 6, 5, 'q', 'a', 'b'],
    });
  });

  it('upserts key-value entries with MERGE and lists prefixes literally', () => {
    expect(text.kvSet('q', 'k', '1').sql).toMatch(
      /^MERGE mailroom_kv WITH \(HOLDLOCK\) AS t USING \(SELECT @0 AS queue, @1 AS kv_key\) AS s .* WHEN MATCHED THEN UPDATE SET kv_value = @2 WHEN NOT MATCHED THEN INSERT .*;$/,
    );
    const list = text.kvList('q', '50%_[x]!');
    expect(list.sql).toContain("kv_key LIKE @1 ESCAPE '!'");
    expect(list.params).toEqual(['q', '50!%!_![x]!!%']);
  });
});
