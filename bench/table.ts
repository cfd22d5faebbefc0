/**
 * Prints a bench result file as Markdown tables, each figure as its median over the runs with the
 * spread (min–max); given two files, prints them side by side (before → after).
 *
 *   node -r @swc-node/register bench/table.ts [result.json]            (default bench/results/latest.json)
 *   node -r @swc-node/register bench/table.ts before.json after.json
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readResult, renderComparison, renderResult } from './lib/report';

try {
  const files = process.argv.slice(2);
  if (files.length > 2) throw new Error('usage: bench/table.ts [result.json] | bench/table.ts before.json after.json');
  const [first, second] = (files.length ? files : [path.join(__dirname, 'results', 'latest.json')]).map((file) => {
    const relative = path.relative(process.cwd(), path.resolve(file));
    return { file: relative, doc: readResult(fs.readFileSync(path.resolve(file), 'utf8'), relative) };
  });
  process.stdout.write(second ? renderComparison(first.doc, first.file, second.doc, second.file) : renderResult(first.doc, first.file));
} catch (error) {
  process.stderr.write(`bench/table.ts: ${(error as Error).message}\n`);
  process.exit(1);
}
