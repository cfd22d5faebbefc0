/** Prints the summary of a bench result (default bench/results/latest.json) as a Markdown table. */
import * as fs from 'node:fs';
import * as path from 'node:path';

const file = path.resolve(process.argv[2] ?? path.join(__dirname, 'results', 'latest.json'));
const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
const cell = (v: unknown) => (v === null || v === undefined ? '–' : typeof v === 'number' ? v.toLocaleString('en', { maximumFractionDigits: 2 }) : String(v));
const lines = [
  '| engine | scenario | throughput | p50 ms | p95 ms | p99 ms | CPU % | CPU ms/unit | peak RSS MB | vs reference |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...doc.summary.map(
    (r: any) =>
      `| ${r.engine} | ${r.scenario} | ${cell(r.perSecond)} ${r.unit}/s | ${cell(r.p50Ms)} | ${cell(r.p95Ms)} | ${cell(r.p99Ms)} | ${cell(r.cpuPercent)} | ${cell(r.cpuMsPerUnit)} | ${cell(r.peakRssMb)} | ${r.vsReference === null ? '–' : `${cell(r.vsReference)}×`} |`,
  ),
  '',
  '| target | engine | measured | value | pass |',
  '| --- | --- | --- | --- | --- |',
  ...doc.targets.map((t: any) => `| ${t.target} | ${t.engine} | ${t.note ?? '–'} | ${cell(t.value)} (${t.threshold}) | ${t.pass ? 'yes' : 'NO'} |`),
];
process.stdout.write(
  `${lines.join('\n')}\n\n${doc.command} — ${doc.startedAt.slice(0, 16)} UTC, ${doc.machine.cpus} × ${doc.machine.cpuModel}, ${doc.machine.node}, load average at the end ${doc.machine.loadAverage.join(' / ')}\n`,
);
