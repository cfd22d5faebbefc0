import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADMIN_URL, withClient } from './pg';

const ROOT = path.resolve(__dirname, '..', '..');

/** The installed version of a package, read from its package.json on disk (not every package exports it). */
export function installedVersion(name: string): string | null {
  for (const dir of require.resolve.paths(name) ?? []) {
    const file = path.join(dir, name, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return null;
}

export const loadAverage = (): number[] => os.loadavg().map((l) => Math.round(l * 100) / 100);

export function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? null,
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    /** 1, 5 and 15 minutes, read just before the first measurement */
    loadAverageBefore: loadAverage(),
  };
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The version and the commit of the working tree the measured build comes from; `dirty` when tracked files differ from the commit. */
export function mailroomRevision(): { version: string; commit: string | null; dirty: boolean | null } {
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const commit = git(['rev-parse', 'HEAD']);
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return { version, commit, dirty: status === null ? null : status.length > 0 };
}

export async function postgresVersion(): Promise<string | null> {
  try {
    return await withClient(ADMIN_URL, async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version);
  } catch {
    return null;
  }
}
