import { DomainError } from '@app/common/domain-error';
import { assertClientKey, storedIdempotencyKey, type KeyScope } from '@app/messages/idempotency-key';
import { assertOwnReplays, type PushResult } from '@app/messages/messages.service';
import type { StoredMessage } from '@app/domain/message';

describe('stored idempotency keys', () => {
  it('are "<kind> " and 64 lowercase hex digits, the same for the same scope', () => {
    const scope: KeyScope = { kind: 'push', sentBy: 'alice', key: 'order-1' };
    expect(storedIdempotencyKey(scope)).toMatch(/^push [0-9a-f]{64}$/);
    expect(storedIdempotencyKey({ ...scope })).toBe(storedIdempotencyKey(scope));
  });

  it('differ whenever the sender, the kind or a part differs, whatever the parts contain', () => {
    const scopes: KeyScope[] = [
      { kind: 'push', sentBy: 'alice', key: 'order-1' },
      { kind: 'push', sentBy: 'mallory', key: 'order-1' },
      { kind: 'push', sentBy: 'alice ', key: 'order-1' },
      { kind: 'push', sentBy: 'ALICE', key: 'order-1' },
      { kind: 'push', sentBy: null, key: 'order-1' },
      { kind: 'push', sentBy: 'alice', key: 'Order-1' },
      { kind: 'push', sentBy: 'alice', key: 'B:0' },
      { kind: 'batch', sentBy: 'alice', key: 'B', index: 0 },
      { kind: 'push', sentBy: 'alice', key: 'topic:T:evt-9' },
      { kind: 'topic', sentBy: 'alice', topic: 'T', key: 'evt-9' },
      { kind: 'topic', sentBy: 'alice', topic: 'T:evt', key: '9' },
      { kind: 'handler', queue: 'alice', key: 'order-1' },
      { kind: 'push', sentBy: 'handler:alice', key: 'order-1' },
      { kind: 'moved', queue: 'q', id: 'm', attempt: 1 },
      { kind: 'dead-letter', queue: 'q', id: 'm', failedAt: 1 },
      { kind: 'redrive', queue: 'q', id: 'm' },
      { kind: 'moved', queue: 'q', id: 'm', attempt: 0 },
    ];
    expect(new Set(scopes.map(storedIdempotencyKey)).size).toBe(scopes.length);
  });

  it('accepts 1 to 200 visible ASCII characters from a client', () => {
    expect(() => assertClientKey('k'.repeat(200))).not.toThrow();
    for (const bad of ['', 'k'.repeat(201), 'a b', 'tab\there', 'é']) {
      expect(() => assertClientKey(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});

describe('assertOwnReplays', () => {
  const outcome = (sentBy: string | null, replayed: boolean): PushResult => ({ message: { sentBy } as StoredMessage, replayed });

  it("passes new messages and the caller's own replays", () => {
    expect(() => assertOwnReplays([outcome('alice', true), outcome('bob', false)], 'alice')).not.toThrow();
  });

  it("answers 409 with nothing of the message when a stored key names another sender's message", () => {
    let error: unknown;
    try {
      assertOwnReplays([outcome('alice', true)], 'mallory');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'IDEMPOTENCY_KEY_CONFLICT', status: 409 });
    expect((error as Error).message).not.toContain('alice');
  });
});
