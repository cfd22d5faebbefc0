import { Clock } from '@app/common/clock';

/**
 * A clock tests move by hand: leases, delays and retention follow it. Its jitter is fixed
 * (1 by default: retry delays are the full backoff), so retry times are exact.
 */
export class ManualClock extends Clock {
  jitterFraction = 1;

  constructor(private current = Date.UTC(2026, 0, 1)) {
    super();
  }
  now(): number {
    return this.current;
  }
  jitter(): number {
    return this.jitterFraction;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** Polls `probe` until it returns a truthy value (no fixed sleeps); fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T> | T, timeoutMs = 5000, intervalMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
