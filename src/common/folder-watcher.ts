import type { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';

const RESCAN_MS = 5_000;
const DEBOUNCE_MS = 100;

/** A folder and the file name endings that count in it. */
export interface WatchedFolder {
  dir: string;
  suffixes: readonly string[];
}

export interface FileStamp {
  dir: string;
  name: string;
  size: number;
  mtimeMs: number;
}

/** The names in `dir` ending with `suffix`, sorted; none when the folder cannot be read. */
export function filesIn(dir: string, suffix: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Tells `onChange` when the files of some folders may have changed: fs.watch (debounced) where it
 * works, and a rescan every 5 s for the file systems and mounts where it does not (a Kubernetes
 * ConfigMap swaps a symlink). `changed()` compares names, sizes and mtimes with its last call, so
 * a reload does its work only when a file really changed.
 */
export class FolderWatcher {
  private fingerprint: string | null = null;
  private watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private rescan: NodeJS.Timeout | null = null;

  constructor(
    private readonly folders: readonly WatchedFolder[],
    private readonly onChange: () => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const { dir } of this.folders) {
      if (!fs.existsSync(dir)) continue;
      try {
        this.watchers.push(fs.watch(dir, () => this.schedule()));
      } catch (error) {
        this.logger.warn({ dir, err: error as Error }, 'cannot watch a folder; relying on periodic rescans');
      }
    }
    this.rescan = setInterval(() => this.onChange(), RESCAN_MS);
    this.rescan.unref();
  }

  stop(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    if (this.timer) clearTimeout(this.timer);
    if (this.rescan) clearInterval(this.rescan);
  }

  /** The files, when they differ from the last call's (the first call always answers them); null when nothing changed. */
  changed(): FileStamp[] | null {
    const files = this.folders.flatMap(({ dir, suffixes }) => suffixes.flatMap((suffix) => filesIn(dir, suffix).map((name) => stamp(dir, name))));
    const fingerprint = files.map((f) => `${f.dir}/${f.name}:${f.mtimeMs}:${f.size}`).join('|');
    if (fingerprint === this.fingerprint) return null;
    this.fingerprint = fingerprint;
    return files;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(), DEBOUNCE_MS);
    this.timer.unref();
  }
}

function stamp(dir: string, name: string): FileStamp {
  try {
    const stat = fs.statSync(path.join(dir, name));
    return { dir, name, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return { dir, name, size: -1, mtimeMs: -1 };
  }
}
