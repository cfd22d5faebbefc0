/** Latency samples in milliseconds; percentiles by sorting (sample counts are bounded by the runners). */
export class Latencies {
  private samples: number[] = [];

  add(ms: number): void {
    this.samples.push(ms);
  }

  get count(): number {
    return this.samples.length;
  }

  summary(): LatencySummary {
    const sorted = Float64Array.from(this.samples).sort();
    const at = (q: number) => (sorted.length === 0 ? null : round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]));
    const mean = sorted.length === 0 ? null : round(sorted.reduce((a, b) => a + b, 0) / sorted.length);
    return { count: sorted.length, mean, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
  }
}

export interface LatencySummary {
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || b === 0) return null;
  return round(a / b, 2);
}
