import type { StoredMessage } from '@app/storage/ports/message.store';
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
    now += RECEIVE_ATTEMPT_TTL_MS - 1;
    expect(attempts.get('alice', 'q.fifo', 'a1')).toEqual([message]);
    now += 1;
    expect(attempts.get('alice', 'q.fifo', 'a1')).toBeNull();
  });

  it('drops expired answers as new ones come, so memory stays bounded', () => {
    let now = 0;
    const attempts = new ReceiveAttempts(() => now);
    attempts.remember('alice', 'q.fifo', 'old', [message]);
    now += RECEIVE_ATTEMPT_TTL_MS;
    attempts.remember('alice', 'q.fifo', 'new', [message]);
    now -= 1;
    expect(attempts.get('alice', 'q.fifo', 'old')).toBeNull();
    expect(attempts.get('alice', 'q.fifo', 'new')).toEqual([message]);
  });
});
