import { round } from './stats';

/** One figure over the runs: its median, its spread, and the value of every run in run order (null where it was not measured). */
export interface Spread {
  median: number;
  min: number;
  max: number;
  values: Array<number | null>;
}

export function spread(values: Array<number | null | undefined>): Spread | null {
  const inOrder = values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
  const sorted = inOrder.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (!sorted.length) return null;
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median: round(median, 3), min: sorted[0], max: sorted[sorted.length - 1], values: inOrder };
}

/** What one run measured: the references and, per engine, its scenarios (each a result or `{ error }`). */
export interface RunMeasurements {
  references: Record<string, any>;
  engines: Record<string, { scenarios: Record<string, any> }>;
}

/** One scenario of one run, flattened. */
export interface RunRow {
  engine: string;
  scenario: string;
  unit: string | null;
  perSecond: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  cpuPercent: number | null;
  /** CPU time of the measured process per unit of throughput: steadier than throughput on a busy machine */
  cpuMsPerUnit: number | null;
  peakRssMb: number | null;
  vsReference: number | null;
  /** the reference measured within the scenario (the interleaved pg-boss rounds, the SQS scenario's pg-boss batch cycle) */
  referencePerSecond: number | null;
}

function runRow(engine: string, scenario: string, r: any, perSecond: number | undefined, unit: string | null): RunRow | null {
  if (!r || r.error || perSecond === undefined) return null;
  const latency = r.latencyMs ?? null;
  const resources = r.resources ?? {};
  return {
    engine,
    scenario,
    unit,
    perSecond,
    p50Ms: latency?.p50 ?? null,
    p95Ms: latency?.p95 ?? null,
    p99Ms: latency?.p99 ?? null,
    cpuPercent: resources.cpuPercent ?? null,
    cpuMsPerUnit:
      resources.cpuSeconds != null && r.seconds && perSecond ? Math.round(((resources.cpuSeconds * 1000) / (perSecond * r.seconds)) * 1000) / 1000 : null,
    peakRssMb: resources.peakRssMb ?? null,
    vsReference: r.vsReference?.ratio ?? null,
    referencePerSecond: typeof r.reference?.perSecond === 'number' ? r.reference.perSecond : null,
  };
}

export function runRows(run: RunMeasurements): RunRow[] {
  const rows: Array<RunRow | null> = [];
  for (const [name, r] of Object.entries(run.references))
    rows.push(runRow('reference', name, r, r.unitsPerSecond ?? r.jobsPerSecond, r.unitsPerSecond !== undefined ? 'jobs completed' : 'jobs'));
  for (const [engine, report] of Object.entries(run.engines))
    for (const [name, r] of Object.entries(report.scenarios)) rows.push(runRow(engine, name, r, r?.throughput?.perSecond, r?.throughput?.unit ?? null));
  return rows.filter((row): row is RunRow => row !== null);
}

/** A scenario over all runs: every figure as a median with its spread. */
export interface SummaryRow {
  engine: string;
  scenario: string;
  unit: string | null;
  /** runs that measured it */
  runs: number;
  /** runs where it failed or was left out */
  failedRuns: number;
  perSecond: Spread;
  p50Ms: Spread | null;
  p95Ms: Spread | null;
  p99Ms: Spread | null;
  cpuPercent: Spread | null;
  cpuMsPerUnit: Spread | null;
  peakRssMb: Spread | null;
  vsReference: Spread | null;
  referencePerSecond: Spread | null;
}

const scenarioKeys = (run: RunMeasurements): string[] => [
  ...Object.keys(run.references).map((name) => `reference\u0000${name}`),
  ...Object.entries(run.engines).flatMap(([engine, report]) => Object.keys(report.scenarios).map((name) => `${engine}\u0000${name}`)),
];

export function summariseRuns(runs: RunMeasurements[]): SummaryRow[] {
  const perRun = runs.map((run) => new Map(runRows(run).map((row) => [`${row.engine}\u0000${row.scenario}`, row])));
  const keys = [...new Set(runs.flatMap(scenarioKeys))];
  const summary: SummaryRow[] = [];
  for (const key of keys) {
    const rows = perRun.map((rowsOfRun) => rowsOfRun.get(key) ?? null);
    const measured = rows.filter((row): row is RunRow => row !== null);
    const [engine, scenario] = key.split('\u0000');
    const perSecond = spread(rows.map((row) => row?.perSecond));
    if (!perSecond) continue;
    const of = (pick: (row: RunRow) => number | null) => spread(rows.map((row) => (row ? pick(row) : null)));
    summary.push({
      engine,
      scenario,
      unit: measured[0].unit,
      runs: measured.length,
      failedRuns: runs.length - measured.length,
      perSecond,
      p50Ms: of((r) => r.p50Ms),
      p95Ms: of((r) => r.p95Ms),
      p99Ms: of((r) => r.p99Ms),
      cpuPercent: of((r) => r.cpuPercent),
      cpuMsPerUnit: of((r) => r.cpuMsPerUnit),
      peakRssMb: of((r) => r.peakRssMb),
      vsReference: of((r) => r.vsReference),
      referencePerSecond: of((r) => r.referencePerSecond),
    });
  }
  return summary;
}

export type Comparison = '>=' | '<=' | '<';

/** A target as one run measured it. */
export interface Target {
  target: string;
  engine: string;
  /** the summary row the value is read from */
  scenario: string;
  /** null when the run has no valid value (e.g. the latency run did not finish) */
  value: number | null;
  comparison: Comparison;
  limit: number;
  pass: boolean | null;
  note?: string;
}

export const meets = (value: number, comparison: Comparison, limit: number): boolean =>
  comparison === '>=' ? value >= limit : comparison === '<=' ? value <= limit : value < limit;

/** A target over all runs: judged on the median, and failed when any run lacks a valid value. */
export interface JudgedTarget {
  target: string;
  engine: string;
  scenario: string;
  threshold: string;
  value: number | null;
  spread: Spread | null;
  /** runs with a value / runs */
  runs: number;
  ofRuns: number;
  judgedOn: string;
  pass: boolean;
  note?: string;
}

export function judgeTargets(perRun: Target[][]): JudgedTarget[] {
  const groups = new Map<string, Array<Target | null>>();
  perRun.forEach((targets, run) => {
    for (const target of targets) {
      const key = `${target.engine}\u0000${target.scenario}\u0000${target.target}`;
      const group = groups.get(key) ?? Array<Target | null>(perRun.length).fill(null);
      group[run] = target;
      groups.set(key, group);
    }
  });
  return [...groups.values()].map((group) => {
    const present = group.filter((t): t is Target => t !== null);
    const last = present[present.length - 1];
    const values = spread(group.map((t) => t?.value));
    const complete = group.every((t) => t !== null && t.value !== null);
    return {
      target: last.target,
      engine: last.engine,
      scenario: last.scenario,
      threshold: `${last.comparison} ${last.limit}`,
      value: values?.median ?? null,
      spread: values,
      runs: group.filter((t) => t?.value != null).length,
      ofRuns: perRun.length,
      judgedOn: perRun.length === 1 ? 'the one run' : `the median of ${perRun.length} runs`,
      pass: complete && values !== null && meets(values.median, last.comparison, last.limit),
      ...(last.note ? { note: last.note } : {}),
    };
  });
}
