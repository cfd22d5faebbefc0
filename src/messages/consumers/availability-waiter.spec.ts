import { AvailabilityWaiter } from '@app/messages/consumers/availability-waiter';
import { MessageEvents } from '@app/messages/message-events';
import { MessageStore } from '@app/storage/ports/message.store';

class SignallingStore {
  private readonly listeners = new Set<(queue: string) => void>();
  onAvailable(listener: (queue: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  signal(queue: string): void {
    for (const listener of this.listeners) listener(queue);
  }
  get listening(): number {
    return this.listeners.size;
  }
}

describe('AvailabilityWaiter', () => {
  let events: MessageEvents;
  let store: SignallingStore;
  let settled: boolean;

  beforeEach(() => {
    jest.useFakeTimers();
    events = new MessageEvents();
    store = new SignallingStore();
    settled = false;
  });
  afterEach(() => jest.useRealTimers());

  function arm(queue = 'q', signal = new AbortController().signal): AvailabilityWaiter {
    return new AvailabilityWaiter(queue, events, store as unknown as MessageStore, signal);
  }
  async function flush(): Promise<void> {
    await Promise.resolve();
    await Promise.resolve();
  }

  it('wakes on a push to its queue before the timeout', async () => {
    const waiter = arm();
    void waiter.wait(10_000).then(() => (settled = true));
    events.emit({ type: 'pushed', queue: 'other', count: 1 });
    events.emit({ type: 'completed', queue: 'q' });
    await flush();
    expect(settled).toBe(false);
    events.emit({ type: 'pushed', queue: 'q', count: 1 });
    await flush();
    expect(settled).toBe(true);
    waiter.dispose();
  });

  it('wakes on the store signal (another replica) and on a returned message', async () => {
    const a = arm();
    void a.wait(10_000).then(() => (settled = true));
    store.signal('q');
    await flush();
    expect(settled).toBe(true);
    a.dispose();

    settled = false;
    const b = arm();
    void b.wait(10_000).then(() => (settled = true));
    events.emit({ type: 'returned', queue: 'q' });
    await flush();
    expect(settled).toBe(true);
    b.dispose();
  });

  it('FIFO queues: wakes on a completion or a final failure (a group may be free), not on a retried failure', async () => {
    const fifo = new AvailabilityWaiter('q', events, store as unknown as MessageStore, new AbortController().signal, true);
    void fifo.wait(10_000).then(() => (settled = true));
    events.emit({ type: 'failed', queue: 'q', retry: true });
    events.emit({ type: 'completed', queue: 'other' });
    await flush();
    expect(settled).toBe(false);
    events.emit({ type: 'completed', queue: 'q' });
    await flush();
    expect(settled).toBe(true);
    fifo.dispose();

    settled = false;
    const failed = new AvailabilityWaiter('q', events, store as unknown as MessageStore, new AbortController().signal, true);
    void failed.wait(10_000).then(() => (settled = true));
    events.emit({ type: 'failed', queue: 'q', retry: false });
    await flush();
    expect(settled).toBe(true);
    failed.dispose();
  });

  it('returns at once when something arrived after arming but before waiting', async () => {
    const waiter = arm();
    events.emit({ type: 'pushed', queue: 'q', count: 1 });
    void waiter.wait(10_000).then(() => (settled = true));
    await flush();
    expect(settled).toBe(true);
    waiter.dispose();
  });

  it('times out, and stops on abort', async () => {
    const waiter = arm();
    void waiter.wait(500).then(() => (settled = true));
    jest.advanceTimersByTime(499);
    await flush();
    expect(settled).toBe(false);
    jest.advanceTimersByTime(1);
    await flush();
    expect(settled).toBe(true);
    waiter.dispose();

    settled = false;
    const controller = new AbortController();
    const aborted = arm('q', controller.signal);
    void aborted.wait(10_000).then(() => (settled = true));
    controller.abort();
    await flush();
    expect(settled).toBe(true);
    aborted.dispose();
  });

  it('unsubscribes everything on dispose', () => {
    const waiter = arm();
    expect(store.listening).toBe(1);
    waiter.dispose();
    expect(store.listening).toBe(0);
  });
});
