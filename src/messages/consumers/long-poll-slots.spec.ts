import { loadConfig } from '@app/config/app.config';
import { LongPollSlots } from '@app/messages/consumers/long-poll-slots';

function slots(max: number, perSubject: number): LongPollSlots {
  return new LongPollSlots(loadConfig({ LONG_POLL_MAX: String(max), LONG_POLL_MAX_PER_SUBJECT: String(perSubject) }));
}

describe('LongPollSlots', () => {
  it('caps each subject, then the process, with 429 TOO_MANY_LONG_POLLS and a retry hint', () => {
    const limiter = slots(3, 2);
    limiter.acquire('alice');
    const release = limiter.acquire('alice');
    expect(() => limiter.acquire('alice')).toThrow(expect.objectContaining({ code: 'TOO_MANY_LONG_POLLS', status: 429, extra: { retryAfterSeconds: 1 } }));
    limiter.acquire('bob');
    expect(() => limiter.acquire('carol')).toThrow(expect.objectContaining({ code: 'TOO_MANY_LONG_POLLS', message: expect.stringContaining('LONG_POLL_MAX') }));
    release();
    expect(limiter.open).toBe(2);
    limiter.acquire('carol');
    expect(() => limiter.acquire('alice')).toThrow(expect.objectContaining({ code: 'TOO_MANY_LONG_POLLS' }));
  });

  it('gives a slot back once, however often release is called', () => {
    const limiter = slots(10, 1);
    const release = limiter.acquire('alice');
    release();
    release();
    expect(limiter.open).toBe(0);
    limiter.acquire('alice');
    expect(() => limiter.acquire('alice')).toThrow(expect.objectContaining({ code: 'TOO_MANY_LONG_POLLS' }));
  });
});
