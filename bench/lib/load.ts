import { Latencies, round, type LatencySummary } from './stats';

export interface LoopOptions {
  clients: number;
  durationMs: number;
  /** hard cap on iterations over all clients */
  maxIterations: number;
}

export interface LoopResult {
  iterations: number;
  /** what an iteration returned, summed (e.g. messages handled) */
  units: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  iterationsPerSecond: number;
  unitsPerSecond: number;
  latencyMs: LatencySummary;
}

/**
 * Closed loop: `clients` callers each run `iteration` back to back until the duration or the
 * iteration cap is reached. Latency is per iteration.
 */
export async function closedLoop(options: LoopOptions, iteration: (client: number, n: number) => Promise<number>): Promise<LoopResult> {
  const latencies = new Latencies();
  const started = process.hrtime.bigint();
  const deadline = Date.now() + options.durationMs;
  let issued = 0;
  let units = 0;
  let errors = 0;
  let firstError: string | null = null;
  const client = async (id: number) => {
    while (Date.now() < deadline && issued < options.maxIterations) {
      const n = issued++;
      const t0 = process.hrtime.bigint();
      try {
        const done = await iteration(id, n);
        units += done;
        latencies.add(Number(process.hrtime.bigint() - t0) / 1e6);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
        if (errors > 100) break;
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = latencies.summary();
  return {
    iterations: summary.count,
    units,
    errors,
    firstError,
    seconds: round(seconds),
    iterationsPerSecond: round(summary.count / seconds, 1),
    unitsPerSecond: round(units / seconds, 1),
    latencyMs: summary,
  };
}

/** Open loop: starts `task` at a fixed rate for `count` times (not waiting for earlier ones). */
export async function fixedRate(
  ratePerSecond: number,
  count: number,
  task: (n: number) => Promise<void>,
): Promise<{ errors: number; firstError: string | null }> {
  const interval = 1000 / ratePerSecond;
  const started = Date.now();
  const pending: Promise<void>[] = [];
  let errors = 0;
  let firstError: string | null = null;
  for (let n = 0; n < count; n++) {
    const wait = started + n * interval - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      task(n).catch((error) => {
        errors++;
        firstError ??= (error as Error).message;
      }),
    );
  }
  await Promise.all(pending);
  return { errors, firstError };
}

/** Polls `probe` every `intervalMs` until it returns true; false when `timeoutMs` passes. */
export async function pollUntil(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return false;
}
