/** Time source for every lease, delay and retention decision, so tests can move time. */
export abstract class Clock {
  abstract now(): number;

  /** A fraction from 0 to 1 that spreads retry delays (jitter); tests fix it. */
  jitter(): number {
    return Math.random();
  }
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
