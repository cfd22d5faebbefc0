import type { JudgedTarget, Spread, SummaryRow } from './summary';

/** The parts of a result file of bench/run.ts that the tables read. */
export interface ResultDocument {
  date: string;
  command: string;
  machine: { cpuModel: string | null; cores: number; memoryGb: number; loadAverageBefore: number[] };
  versions: Record<string, unknown> & { node: string; mailroom: { commit: string | null; dirty: boolean | null } };
  options: { runs: number };
  summary: SummaryRow[];
  targets: JudgedTarget[];
  runs: unknown[];
}

export function readResult(text: string, file: string): ResultDocument {
  const doc = JSON.parse(text) as Partial<ResultDocument>;
  if (!Array.isArray(doc.runs) || !Array.isArray(doc.summary) || !Array.isArray(doc.targets))
    throw new Error(`${file} is not a result file of npm run bench (no runs, summary and targets)`);
  return doc as ResultDocument;
}

export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en', { maximumFractionDigits: digits });
}

/** `1,234/s (1,100–1,300)`: the median, then the spread over the runs when there were several. */
export function formatSpread(value: Spread | null | undefined, suffix = ''): string {
  if (!value) return '–';
  const median = `${formatNumber(value.median)}${suffix}`;
  return value.values.filter((v) => v !== null).length > 1 ? `${median} (${formatNumber(value.min)}–${formatNumber(value.max)})` : median;
}

const rowKey = (row: { engine: string; scenario: string }) => `${row.engine} ${row.scenario}`;
const targetKey = (t: JudgedTarget) => `${t.engine} ${t.scenario} ${t.target}`;

function change(before: Spread | null | undefined, after: Spread | null | undefined): string {
  if (!before || !after || before.median === 0) return '–';
  const percent = ((after.median - before.median) / before.median) * 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)} %`;
}

function provenance(doc: ResultDocument, file: string): string {
  const commit = doc.versions.mailroom.commit
    ? `${doc.versions.mailroom.commit.slice(0, 10)}${doc.versions.mailroom.dirty ? ' (with uncommitted changes)' : ''}`
    : 'unknown commit';
  const versions = Object.entries(doc.versions)
    .filter(([name, version]) => name !== 'mailroom' && typeof version === 'string')
    .map(([name, version]) => `${name} ${String(version)}`)
    .join(', ');
  return (
    `${file}: ${doc.date}, ${doc.runs.length} run(s) of \`${doc.command}\`; mailroom ${commit}; ${versions}; ` +
    `${doc.machine.cores} × ${doc.machine.cpuModel ?? '?'}, ${doc.machine.memoryGb} GB, load average before ${doc.machine.loadAverageBefore.join(' / ')}`
  );
}

/** The summary and the targets of one result file as Markdown tables: medians with their spread. */
export function renderResult(doc: ResultDocument, file: string): string {
  const lines = [
    '| engine | scenario | throughput (median, min–max) | unit | p50 ms | p99 ms | CPU ms/unit | peak RSS MB | vs reference |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...doc.summary.map(
      (r) =>
        `| ${r.engine} | ${r.scenario}${r.failedRuns ? ` (failed in ${r.failedRuns} run(s))` : ''} | ${formatSpread(r.perSecond, '/s')} | ${r.unit ?? '–'} | ${formatSpread(r.p50Ms)} | ${formatSpread(r.p99Ms)} | ${formatSpread(r.cpuMsPerUnit)} | ${formatSpread(r.peakRssMb)} | ${formatSpread(r.vsReference, '×')} |`,
    ),
    '',
    '| target | engine | value (median, min–max) | threshold | runs | pass |',
    '| --- | --- | --- | --- | --- | --- |',
    ...doc.targets.map((t) => `| ${t.target} | ${t.engine} | ${formatSpread(t.spread)} | ${t.threshold} | ${t.runs}/${t.ofRuns} | ${t.pass ? 'yes' : 'NO'} |`),
    '',
    provenance(doc, file),
  ];
  return `${lines.join('\n')}\n`;
}

/** Two result files side by side (before → after), matched by engine and scenario. */
export function renderComparison(before: ResultDocument, beforeFile: string, after: ResultDocument, afterFile: string): string {
  const afterRows = new Map(after.summary.map((r) => [rowKey(r), r]));
  const beforeRows = new Map(before.summary.map((r) => [rowKey(r), r]));
  const keys = [...new Set([...before.summary.map(rowKey), ...after.summary.map(rowKey)])];
  const afterTargets = new Map(after.targets.map((t) => [targetKey(t), t]));
  const targetKeys = [...new Set([...before.targets.map(targetKey), ...after.targets.map(targetKey)])];
  const beforeTargets = new Map(before.targets.map((t) => [targetKey(t), t]));
  const lines = [
    '| engine | scenario | throughput before | after | change | CPU ms/unit before | after | change | vs reference before | after |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...keys.map((key) => {
      const b = beforeRows.get(key);
      const a = afterRows.get(key);
      const { engine, scenario } = (a ?? b)!;
      return `| ${engine} | ${scenario} | ${formatSpread(b?.perSecond, '/s')} | ${formatSpread(a?.perSecond, '/s')} | ${change(b?.perSecond, a?.perSecond)} | ${formatSpread(b?.cpuMsPerUnit)} | ${formatSpread(a?.cpuMsPerUnit)} | ${change(b?.cpuMsPerUnit, a?.cpuMsPerUnit)} | ${formatSpread(b?.vsReference, '×')} | ${formatSpread(a?.vsReference, '×')} |`;
    }),
    '',
    '| target | engine | threshold | before | after | pass before | pass after |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...targetKeys.map((key) => {
      const b = beforeTargets.get(key);
      const a = afterTargets.get(key);
      const pass = (t: JudgedTarget | undefined) => (t ? (t.pass ? 'yes' : 'NO') : '–');
      return `| ${(a ?? b)!.target} | ${(a ?? b)!.engine} | ${(a ?? b)!.threshold} | ${formatSpread(b?.spread)} | ${formatSpread(a?.spread)} | ${pass(b)} | ${pass(a)} |`;
    }),
    '',
    `before: ${provenance(before, beforeFile)}`,
    `after: ${provenance(after, afterFile)}`,
  ];
  return `${lines.join('\n')}\n`;
}
