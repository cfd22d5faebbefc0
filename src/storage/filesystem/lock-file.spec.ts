import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireDataDirLock, DataDirectoryLockedError, LOCK_FILE } from '@app/storage/filesystem/lock-file';

describe('data directory lock file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes our pid, refuses a second holder with a message naming the directory, and releases', () => {
    const release = acquireDataDirLock(dir);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirectoryLockedError);
    expect(() => acquireDataDirLock(dir)).toThrow(dir);
    release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    acquireDataDirLock(dir)();
  });

  it('refuses while another live process holds the lock', () => {
    // the parent of this process is alive for the whole test
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
    expect(() => acquireDataDirLock(dir)).toThrow(`pid ${process.ppid}`);
  });

  it('takes over a lock left by a process that is gone', () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    expect(deadPid).toBeGreaterThan(0);
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${deadPid}\n`);
    const release = acquireDataDirLock(dir);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  it('takes over a lock naming our own pid that this process does not hold (a restarted container)', () => {
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${process.pid}\n`);
    const release = acquireDataDirLock(dir);
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirectoryLockedError);
    release();
  });
});
