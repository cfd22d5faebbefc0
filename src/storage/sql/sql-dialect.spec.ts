import { SqlText } from '@app/storage/sql/sql-dialect';

/** The statements are unit-tested as text for every dialect; MSSQL has no server in CI, so this is its test. */
describe('SqlText (mssql)', () => {
  const text = new SqlText('mssql');

  it('claims in one statement: TOP(n) in delivery order, skipping locked rows, leasing and returning them', () => {
    const { sql, params } = text.claim('orders', 1000, 31000, 5);
    expect(sql).toMatch(/^WITH c AS \(SELECT TOP \(5\) \* FROM mailroom_messages WITH \(UPDLOCK, READPAST, ROWLOCK\) /);
    expect(sql).toContain("WHERE queue = @0 AND status = 'PENDING' AND available_at <= @1 ORDER BY seq)");
    expect(sql).toContain(
      "UPDATE c SET status = 'INPROGRESS', attempts = attempts + 1, receipt = CONVERT(varchar(36), NEWID()), lease_expires_at = @2, updated_at = @1",
    );
    expect(sql).toMatch(/ OUTPUT inserted\.queue, inserted\.id, inserted\.seq, .*inserted\.idempotency_key, inserted\.group_id, inserted\.sender_roles;$/);
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
        "inserted.available_at, inserted.lease_expires_at, inserted.receipt, inserted.idempotency_key, inserted.group_id, inserted.sender_roles WHERE queue = @5 AND id = @6 AND receipt = @7 AND status = 'INPROGRESS'",
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
    const row = (id: string) => ['q', id, 1, 'PENDING', '{}', null, null, null, 0, null, 1, 1, 1, null, null, null, 'g', '["writer"]'];
    const { sql, params } = text.insert([row('a'), row('b')], true);
    expect(sql).toMatch(
      /^INSERT INTO mailroom_messages \(queue, id, seq, .*idempotency_key, group_id, sender_roles\) VALUES \(@0, @1, .*@17\), \(@18, .*@35\)$/,
    );
    expect(sql).not.toContain('ON CONFLICT');
    expect(params).toHaveLength(36);
    expect(text.insertChunk * 18).toBeLessThan(2100);
  });

  it('claims FIFO groups under the lock row: TOP(n), window functions per group, its own numbered parameters', () => {
    expect(text.fifoLock('q')).toEqual({ sql: 'SELECT queue FROM mailroom_fifo_locks WITH (UPDLOCK, HOLDLOCK, ROWLOCK) WHERE queue = @0', params: ['q'] });
    expect(text.fifoLockRow('q').sql).toBe(
      'INSERT INTO mailroom_fifo_locks (queue) SELECT @0 WHERE NOT EXISTS (SELECT 1 FROM mailroom_fifo_locks WITH (UPDLOCK, HOLDLOCK) WHERE queue = @0)',
    );
    const { sql, params } = text.claimGroups('q', 100, 10, 1);
    expect(sql).toMatch(/^SELECT TOP \(10\) queue, id, .*group_id, sender_roles FROM \(SELECT .* UNION ALL SELECT .*\) c ORDER BY seq, id$/);
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

describe('SqlText (postgres, mysql)', () => {
  it('postgres claims with a materialized FOR UPDATE SKIP LOCKED pick, updates the locked rows by ctid and returns them', () => {
    const { sql, params, name } = new SqlText('postgres').claim('q', 1, 2, 10);
    expect(sql).toMatch(
      /^WITH c AS MATERIALIZED \(SELECT ctid AS t FROM mailroom_messages WHERE queue = \$1 AND status = 'PENDING' AND available_at <= \$2 ORDER BY seq LIMIT 10 FOR UPDATE SKIP LOCKED\) UPDATE /,
    );
    expect(sql).toContain('FROM c WHERE m.ctid = c.t RETURNING m.queue, m.id');
    expect(params).toEqual(['q', 1, 2]);
    expect(name).toBe('mailroom_claim_10');
    expect(new SqlText('postgres').claim('other', 5, 6, 10)).toMatchObject({ sql, name });
  });

  it('postgres inserts any number of rows with one array per column and skips taken idempotency keys', () => {
    const row = (id: string, key: string | null) => ['q', id, 1, 'PENDING', '{}', null, null, null, 0, null, 1, 1, 1, null, null, key, null, null];
    const { sql, params } = new SqlText('postgres').insert([row('a', 'k'), row('b', null)], true);
    expect(sql).toBe(
      'INSERT INTO mailroom_messages (queue, id, seq, status, request, result, error, dead_letter, attempts, sent_by, created_at, updated_at, available_at, lease_expires_at, receipt, idempotency_key, group_id, sender_roles) ' +
        'SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::int8[], $4::varchar[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int4[], $10::varchar[], $11::int8[], $12::int8[], $13::int8[], $14::int8[], $15::varchar[], $16::varchar[], $17::varchar[], $18::text[]) ' +
        'ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id',
    );
    expect(params).toHaveLength(18);
    expect(params[1]).toEqual(['a', 'b']);
    expect(params[15]).toEqual(['k', null]);
    expect(new SqlText('postgres').insert([row('a', null)], false).sql).not.toContain('ON CONFLICT');
    const named = (rows: number, skip: boolean) =>
      new SqlText('postgres').insert(
        Array.from({ length: rows }, (_, i) => row(`r${i}`, null)),
        skip,
      );
    expect(named(1, false)).toMatchObject({ sql: named(7, false).sql, name: 'mailroom_insert' });
    expect(named(1, true)).toMatchObject({ sql: named(7, true).sql, name: 'mailroom_insert_new' });
  });

  it('postgres settles many messages in one constant statement: a compare-and-set per row on queue, id and receipt', () => {
    const text = new SqlText('postgres');
    const one = text.settleMany([{ queue: 'q', id: 'a', receipt: 'ra', change: { status: 'COMPLETE', updatedAt: 5, result: '1' } }]);
    const two = text.settleMany([
      { queue: 'q', id: 'a', receipt: 'ra', change: { status: 'COMPLETE', updatedAt: 5, result: '1' } },
      { queue: 'q', id: 'b', receipt: 'rb', change: { status: 'PENDING', updatedAt: 6, availableAt: 7, seq: 8, uncountAttempt: true, leaseActiveAt: 6 } },
    ]);
    expect(two.sql).toBe(one.sql);
    expect([one.name, two.name]).toEqual(['mailroom_settle_many', 'mailroom_settle_many']);
    expect(two.sql).toMatch(/^UPDATE mailroom_messages AS m SET status = v\.status, updated_at = v\.updated_at, lease_expires_at = NULL, receipt = NULL, /);
    expect(two.sql).toContain('result = CASE WHEN v.set_result THEN v.result ELSE m.result END');
    expect(two.sql).toContain('attempts = CASE WHEN v.uncount THEN GREATEST(m.attempts - 1, 0) ELSE m.attempts END');
    expect(two.sql).toContain(
      "WHERE m.queue = v.queue AND m.id = v.id AND m.receipt = v.receipt AND m.status = 'INPROGRESS' " +
        'AND (v.lease_active_at IS NULL OR m.lease_expires_at IS NULL OR m.lease_expires_at > v.lease_active_at) RETURNING m.queue, m.id',
    );
    expect(two.params).toEqual([
      ['q', 'q'],
      ['a', 'b'],
      ['ra', 'rb'],
      ['COMPLETE', 'PENDING'],
      [5, 6],
      [1, 0],
      ['1', null],
      [0, 0],
      [null, null],
      [null, 7],
      [null, 8],
      [0, 1],
      [null, 6],
      2,
    ]);
    expect(two.sql).toMatch(/\) AS u\(queue, id, receipt, [a-z_, ]+\) LIMIT \$14\) AS v WHERE /);
    expect(() => new SqlText('mariadb').settleMany([])).toThrow(/postgres only/);
  });

  it('mysql/mariadb lock the batch with SKIP LOCKED, then lease it with per-message receipts', () => {
    const text = new SqlText('mariadb');
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
