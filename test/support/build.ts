import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
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

/**
 * `npm run build` unless dist/ is newer than every source file (CI starts without dist/). Test files
 * running in parallel take turns through a lock folder, so one builds and the others then find
 * dist/ fresh: a second build would delete dist/ (nest's deleteOutDir) under a test using it.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = path.join(os.tmpdir(), `mailroom-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`${lock} is still held after 240 s (a build that died? remove it)`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
    if (built > newest(path.join(ROOT, 'src'))) return;
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, timeout: 180_000 });
  } finally {
    fs.rmdirSync(lock);
  }
}
