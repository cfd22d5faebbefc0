import * as fs from 'node:fs';
import * as path from 'node:path';
import { PRIVATE_DIR, PRIVATE_FILE } from '@app/common/file-modes';

export const LOCK_FILE = 'mailroom.lock';

/** Lock files held by this process, so a second open in the same process is refused too. */
const held = new Set<string>();

export class DataDirectoryLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `Data directory ${dataDir} is in use by another Mailroom process (pid ${pid}; lock file ${path.join(dataDir, LOCK_FILE)}). ` +
        'Only one process may use a data directory: stop the other process or set a different DATA_DIR.',
    );
    this.name = 'DataDirectoryLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Takes `DATA_DIR/mailroom.lock` (created with O_EXCL, holding our pid). A lock left by a
 * process that is gone is taken over; a live holder makes this throw. Returns the release function.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR });
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', PRIVATE_FILE);
      try {
        fs.writeSync(fd, `${process.pid}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      held.add(file);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.delete(file);
        if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = readPid(file);
    if (pid === null) {
      // empty or unreadable: a holder that died between create and write, or one still writing
      if (attempt < 2) continue;
    } else if (pid === process.pid ? held.has(file) : alive(pid)) {
      throw new DataDirectoryLockedError(dataDir, pid);
    }
    // stale: take it over (rename first so two processes taking over cannot both win)
    const stale = `${file}.stale-${process.pid}`;
    try {
      fs.renameSync(file, stale);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      continue;
    }
    const moved = readPid(stale);
    if (moved !== pid && moved !== null) {
      // another process took the stale lock over first: put its fresh lock back and give way
      try {
        fs.linkSync(stale, file);
      } finally {
        fs.rmSync(stale, { force: true });
      }
      throw new DataDirectoryLockedError(dataDir, moved);
    }
    fs.rmSync(stale, { force: true });
  }
  throw new Error(`Could not take the lock file ${file}`);
}
