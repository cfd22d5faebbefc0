import { PostgresDialect } from '@app/storage/sql/postgres/postgres-dialect';

/** The Postgres statements as text: the constant texts behind the prepared statements. */
describe('PostgresDialect', () => {
  it('postgres claims with a materialized FOR UPDATE SKIP LOCKED pick, updates the locked rows by ctid and returns them', () => {
    const { sql, params, name } = new PostgresDialect().claim('q', 1, 2, 10);
    expect(sql).toMatch(
      /^WITH c AS MATERIALIZED \(SELECT ctid AS t FROM mailroom_messages WHERE queue = \$1 AND status = 'PENDING' AND available_at <= \$2 ORDER BY seq LIMIT 10 FOR UPDATE SKIP LOCKED\) UPDATE /,
    );
    expect(sql).toContain('FROM c WHERE m.ctid = c.t RETURNING m.queue, m.id');
    expect(params).toEqual(['q', 1, 2]);
    expect(name).toBe('mailroom_claim_10');
    expect(new PostgresDialect().claim('other', 5, 6, 10)).toMatchObject({ sql, name });
  });

  it('postgres inserts any number of rows with one array per column and skips taken idempotency keys', () => {
    const row = (id: string, key: string | null) => ['q', id, 1, 'PENDING', '{}', null, null, null, 0, null, 1, 1, 1, null, null, key, null, null];
    const { sql, params } = new PostgresDialect().insert([row('a', 'k'), row('b', null)], true);
    expect(sql).toBe(
      'INSERT INTO mailroom_messages (queue, id, seq, status, request, result, error, dead_letter, attempts, sent_by, created_at, updated_at, available_at, lease_expires_at, receipt, idempotency_key, group_id, sender_roles, dedup_id) ' +
        'SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::int8[], $4::varchar[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int4[], $10::varchar[], $11::int8[], $12::int8[], $13::int8[], $14::int8[], $15::varchar[], $16::varchar[], $17::varchar[], $18::text[], $19::varchar[]) ' +
        'ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id',
    );
    expect(params).toHaveLength(19);
    expect(params[1]).toEqual(['a', 'b']);
    expect(params[15]).toEqual(['k', null]);
    expect(new PostgresDialect().insert([row('a', null)], false).sql).not.toContain('ON CONFLICT');
    const named = (rows: number, skip: boolean) =>
      new PostgresDialect().insert(
        Array.from({ length: rows }, (_, i) => row(`r${i}`, null)),
        skip,
      );
    expect(named(1, false)).toMatchObject({ sql: named(7, false).sql, name: 'mailroom_insert' });
    expect(named(1, true)).toMatchObject({ sql: named(7, true).sql, name: 'mailroom_insert_new' });
  });

  it('postgres settles many messages in one constant statement: a compare-and-set per row on queue, id and receipt', () => {
    const text = new PostgresDialect();
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
  });
});
