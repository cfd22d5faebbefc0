import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { DomainError } from '@app/common/domain-error';
import { readJsonFile, writeFileAtomic } from '@app/storage/filesystem/atomic-file';

/**
 * A small JSON document kept in memory and replaced atomically on every change. Changes are
 * serialised: each one sees the previous one's result, and resolves once it is on disk.
 */
export class JsonStateFile<T extends { revision: number }> {
  private static readonly logger = new Logger('JsonStateFile');
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly file: string,
    private current: T,
  ) {}

  static async open<T extends { revision: number }>(file: string, initial: () => T): Promise<JsonStateFile<T>> {
    const stored = await readJsonFile<T>(file);
    return new JsonStateFile(path.resolve(file), stored ?? initial());
  }

  get value(): T {
    return this.current;
  }

  /** `change` edits a copy and returns a result; nothing is written when it returns `{ changed: false }`. */
  update<R>(change: (draft: T) => { changed: boolean; result: R }): Promise<R> {
    const run = this.tail.then(async () => {
      const draft = structuredClone(this.current);
      const { changed, result } = change(draft);
      if (!changed) return result;
      draft.revision = this.current.revision + 1;
      try {
        await writeFileAtomic(this.file, JSON.stringify(draft));
      } catch (error) {
        JsonStateFile.logger.error({ file: this.file, err: error as Error }, 'cannot write a state file');
        throw new DomainError('STORAGE_UNAVAILABLE', `${path.basename(this.file)} could not be written`);
      }
      this.current = draft;
      return result;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}
