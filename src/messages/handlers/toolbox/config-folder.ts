import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FolderWatcher } from '@app/common/folder-watcher';
/** a configuration file larger than this is refused unread */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/**
 * The `<name>.json` files of one folder under CONFIG_DIR, parsed by `parse` and reloaded when
 * they change (watch + periodic rescan, like queue files). A file that fails is skipped with an
 * error naming it; the others keep working, and a broken file's last good version is not kept.
 */
export class ConfigFolder<T> {
  private entries = new Map<string, T>();
  private readonly watcher: FolderWatcher;

  constructor(
    readonly dir: string,
    private readonly parse: (raw: unknown, name: string) => T,
    private readonly logger: Logger,
  ) {
    this.watcher = new FolderWatcher([{ dir, suffixes: ['.json'] }], () => this.reload(), logger);
  }

  start(): void {
    this.reload();
    this.watcher.start();
  }

  stop(): void {
    this.watcher.stop();
  }

  get(name: string): T | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Re-reads the folder now when a file changed. */
  reload(): void {
    const files = this.watcher.changed();
    if (!files) return;
    const entries = new Map<string, T>();
    for (const file of files) {
      const full = path.join(this.dir, file.name);
      const name = file.name.slice(0, -'.json'.length);
      try {
        if (!NAME.test(name)) throw new Error('the name must be 1-100 characters of A-Z a-z 0-9 _ . - (starting with a letter or digit)');
        if (file.size > CONFIG_FILE_MAX_BYTES) throw new Error(`the file is larger than ${CONFIG_FILE_MAX_BYTES} bytes`);
        let raw: unknown;
        try {
          raw = JSON.parse(fs.readFileSync(full, 'utf8'));
        } catch (error) {
          throw new Error(`not valid JSON (${(error as Error).message})`);
        }
        entries.set(name, this.parse(raw, name));
      } catch (error) {
        this.logger.error({ file: full, err: error as Error }, 'config file skipped');
      }
    }
    this.entries = entries;
  }
}
