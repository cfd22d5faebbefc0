import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';
import { FilesystemCatalogStore } from '@app/storage/filesystem/filesystem-catalog.store';
import { FilesystemGrantStore } from '@app/storage/filesystem/filesystem-grant.store';
import { ManualClock } from '../support/app';
import { catalogStoreContract, grantStoreContract, messageStoreContract } from './message-store.contract';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-fs-contract-'));
}

messageStoreContract('filesystem', async () => {
  const dir = tempDir();
  const clock = new ManualClock();
  const store = new FilesystemMessageStore(dir, clock);
  await store.open();
  return {
    store,
    clock,
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

// the same behaviour with a journal that compacts all the time, beside writers
messageStoreContract('filesystem (compacting constantly)', async () => {
  const dir = tempDir();
  const clock = new ManualClock();
  const store = new FilesystemMessageStore(dir, clock, { compactMinBytes: 1, compactGarbageRatio: 0 });
  await store.open();
  return {
    store,
    clock,
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

catalogStoreContract('filesystem', async () => {
  const dir = tempDir();
  const store = await FilesystemCatalogStore.open(dir);
  return { store, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

grantStoreContract('filesystem', async () => {
  const dir = tempDir();
  const store = await FilesystemGrantStore.open(dir);
  return { store, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});
