/**
 * One holder among the replicas sharing a catalog, re-elected when the holder goes away. Used
 * so that per-queue gauges (the same numbers read from the same stores) are exported once.
 */
export abstract class LeaderLock {
  /** Whether this process holds the lock now; tries to take it when nobody does. Never throws. */
  abstract held(): Promise<boolean>;
  abstract release(): Promise<void>;
}

/** Without a shared catalog there is one process: it always leads. */
export class SoleProcessLeader extends LeaderLock {
  async held(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}
}
