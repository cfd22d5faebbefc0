import type { MailroomProcess } from '../lib/mailroom';
import { memory } from '../lib/proc';
import { withClient } from '../lib/pg';
import { round } from '../lib/stats';
import { fillByBatch, queueCounts, receiveOnBacklog } from './mailroom';
import { QUEUES } from './setup';

const FIRST_STAGE = 10_000;
const SQL_CHUNK = 100_000;

/**
 * A deep Postgres backlog: 10k messages by batch push (the real path), measured; then rows
 * inserted straight into mailroom_messages up to `size` (INSERT … SELECT generate_series, in
 * chunks; negative seq so they sit in front of the API-pushed ones), measured again.
 */
export async function runBacklog(mailroom: MailroomProcess, databaseUrl: string, size: number, log: (m: string) => void): Promise<Record<string, unknown>> {
  const measure = async (label: string) => {
    log(`backlog: measuring receive at ${label}`);
    const statsStarted = Date.now();
    const counts = await queueCounts(mailroom, QUEUES.backlog);
    const statsMs = Date.now() - statsStarted;
    const receive = await receiveOnBacklog(mailroom, QUEUES.backlog, 200);
    const mem = memory(mailroom.pid);
    return {
      pending: counts.PENDING,
      statsRequestMs: statsMs,
      ...receive,
      peakRssMb: receive.resources.peakRssMb,
      processHighWaterRssMb: mem ? Math.round(mem.hwmMb) : null,
    };
  };
  log(`backlog: pushing ${FIRST_STAGE} by batch push`);
  const fill10k = await fillByBatch(mailroom, QUEUES.backlog, FIRST_STAGE, 100);
  const at10k = await measure('10k');
  const sqlStarted = Date.now();
  const remaining = size - FIRST_STAGE;
  await withClient(databaseUrl, async (client) => {
    const table = await client.query(`SELECT to_regclass('mailroom_messages') AS t`);
    if (!table.rows[0].t) throw new Error('mailroom_messages not found in the bench database');
    const request = JSON.stringify({ data: 'x'.repeat(80) });
    for (let done = 0; done < remaining; done += SQL_CHUNK) {
      const n = Math.min(SQL_CHUNK, remaining - done);
      await client.query(
        `INSERT INTO mailroom_messages (queue, id, seq, status, request, attempts, sent_by, created_at, updated_at, available_at)
         SELECT $1, gen_random_uuid()::text, -($2::bigint + g), 'PENDING', $3, 0, 'bench', $4::bigint, $4::bigint, $4::bigint
         FROM generate_series(1, $5::int) AS g`,
        [QUEUES.backlog, size - done, request, Date.now(), n],
      );
      log(`backlog: ${FIRST_STAGE + done + n} stored`);
    }
    await client.query('ANALYZE mailroom_messages');
  });
  const sqlSeconds = (Date.now() - sqlStarted) / 1000;
  const atFull = await measure(`${size}`);
  return {
    description: `receive(10) + ack latency and Mailroom RSS on a Postgres queue holding 10k and then ${size} PENDING messages (200 receives from one client each)`,
    size,
    fill: { first10kByBatchPush: fill10k, restBySqlInsertSeconds: round(sqlSeconds) },
    at10k,
    atFull,
  };
}
