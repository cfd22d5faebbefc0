import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { FilesystemMessageStore, type FilesystemStoreOptions } from '@app/storage/filesystem/filesystem-message.store';
import { ManualClock } from './time';

/**
 * Filesystem stores on a fresh temporary DATA_DIR per test, closed and removed after it; their
 * log lines are silenced. Call inside a `describe`.
 */
export function useFilesystemStores(prefix: string) {
  const open: FilesystemMessageStore[] = [];
  const harness = {
    dir: '',
    clock: new ManualClock(),
    async openStore(options: FilesystemStoreOptions = {}): Promise<FilesystemMessageStore> {
      const store = new FilesystemMessageStore(harness.dir, harness.clock, options);
      await store.open();
      open.push(store);
      return store;
    },
    async reopen(store: FilesystemMessageStore, options: FilesystemStoreOptions = {}): Promise<FilesystemMessageStore> {
      await store.close();
      if (open.includes(store)) open.splice(open.indexOf(store), 1);
      return harness.openStore(options);
    },
  };
  beforeEach(() => {
    harness.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    harness.clock = new ManualClock();
    for (const level of ['log', 'warn', 'error'] as const) jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    for (const store of open.splice(0)) await store.close();
    fs.rmSync(harness.dir, { recursive: true, force: true });
  });
  return harness;
}
