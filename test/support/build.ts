import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

function newest(directory: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

/** `npm run build` unless dist/ is newer than every source file (CI starts without dist/). */
export async function ensureBuilt(): Promise<void> {
  const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
  if (built > newest(path.join(ROOT, 'src'))) return;
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, timeout: 180_000 });
}
