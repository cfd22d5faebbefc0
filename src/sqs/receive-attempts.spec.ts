import type { StoredMessage } from '@app/domain/message';
import { MAX_ATTEMPT_BYTES, RECEIVE_ATTEMPT_TTL_MS, ReceiveAttempts } from '@app/sqs/receive-attempts';

describe('ReceiveAttempts', () => {
  const message = { id: 'm1', receipt: 'r1' } as StoredMessage;

  it('keeps an answer per subject, queue and attempt id for 5 minutes', () => {
    let now = 1_000;
    const attempts = new ReceiveAttempts(() => now);
    attempts.remember('alice', 'q.fifo', 'a1', [message]);
    expect(attempts.get('alice', 'q.fifo', 'a1')).toEqual([message]);
    expect(attempts.get('bob', 'q.fifo', 'a1')).toBeNull();
    expect(attempts.get('alice', 'r.fifo', 'a1')).toBeNull();
    expect(attempts.get('alice', 'q.fifo', 'a2')).toBeNull();
    now += RECEIVE_ATTEMPT_TTL_MS;
    expect(attempts.get('alice', 'q.fifo', 'a1')).toEqual([message]);
    now += 1;
    expect(attempts.get('alice', 'q.fifo', 'a1')).toBeNull();
  });

  it('keeps at most 10,000 answers, the least recently used dropped first', () => {
    const attempts = new ReceiveAttempts(() => 0);
    for (let i = 0; i <= 10_000; i++) attempts.remember('alice', 'q.fifo', `a${i}`, [message]);
    expect(attempts.get('alice', 'q.fifo', 'a0')).toBeNull();
    expect(attempts.get('alice', 'q.fifo', 'a1')).toEqual([message]);
    expect(attempts.get('alice', 'q.fifo', 'a10000')).toEqual([message]);
  });

  it('keeps at most 64 MiB of message bodies, so fresh attempt ids with large messages cannot grow memory', () => {
    const attempts = new ReceiveAttempts(() => 0);
    const large = Array.from({ length: 10 }, (_, i) => ({ id: `m${i}`, receipt: `r${i}`, request: 'x'.repeat(256 * 1024) }) as StoredMessage);
    const answers = Math.ceil(MAX_ATTEMPT_BYTES / (10 * 256 * 1024)) + 5;
    for (let i = 0; i < answers; i++) attempts.remember('mallory', 'q.fifo', `a${i}`, large);
    expect(attempts.get('mallory', 'q.fifo', 'a0')).toBeNull();
    expect(attempts.get('mallory', 'q.fifo', `a${answers - 1}`)).toEqual(large);
  });
});
