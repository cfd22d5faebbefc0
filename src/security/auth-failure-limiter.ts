import { LRUCache } from 'lru-cache';

const WINDOW_MS = 60_000;
export const AUTH_FAILURE_ADDRESSES = 100_000;

/**
 * Failed authentications per client address in fixed one-minute windows. Only failures count:
 * a client with a valid token is never refused because others at its address (behind the same
 * proxy) failed. At most `capacity` addresses are remembered; the least recently failing goes first.
 */
export class AuthFailureLimiter {
  /** a window ends WINDOW_MS after its first failure (lru-cache serves an entry while its age is <= ttl) */
  private readonly windows: LRUCache<string, { start: number; count: number }>;

  constructor(
    private readonly limitPerMinute: number,
    private readonly now: () => number,
    capacity = AUTH_FAILURE_ADDRESSES,
  ) {
    this.windows = new LRUCache({ max: capacity, ttl: WINDOW_MS - 1, ttlResolution: 0, perf: { now } });
  }

  /** Counts a failure of `address`; answers the seconds to wait when it is over the limit, else null. */
  fail(address: string): number | null {
    if (this.limitPerMinute === 0) return null;
    const now = this.now();
    let window = this.windows.get(address);
    if (!window) {
      window = { start: now, count: 0 };
      this.windows.set(address, window);
    }
    window.count++;
    return window.count > this.limitPerMinute ? Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000)) : null;
  }

  get size(): number {
    return this.windows.size;
  }
}
