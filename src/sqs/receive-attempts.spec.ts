import type { StoredMessage } from '@app/domain/message';
import { RECEIVE_ATTEMPT_TTL_MS, ReceiveAttempts } from '@app/sqs/receive-attempts';

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
});
